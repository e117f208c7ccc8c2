"""What the user looks at: the 3D landscape, the 2D map, split views and the loss plot."""
