"""The Analyze menu and dock: critical points, verdicts, basins, particle clouds, restarts,
step arrows; their overlays on the views and the worker threads that compute them."""
