"""The gallery's minibatch example says what the simulation does: from the same start and
learning rate, full-batch GD stops in a local minimum of the sinusoid fit while minibatch SGD
reaches the global one."""
from landscape_explorer.core.scenario import load_example


def test_minibatch_escape_example_tells_the_truth():
    sc = load_example("minibatch_escape")
    (gd, gd_res), (sgd, sgd_res) = sc.simulate()
    assert sc.surface == "sinusoid_fit"
    assert gd.batch_size is None and sgd.batch_size == 4
    assert gd.hyperparams["lr"] == sgd.hyperparams["lr"] and not sgd.hyperparams["momentum"]
    assert (gd_res.path[0] == sgd_res.path[0]).all()
    stuck, = gd_res.verdicts
    assert stuck.kind == "local_min" and gd_res.status[0] == "converged"
    assert abs(stuck.xy[0] - 0.99) < 0.02 and abs(stuck.xy[1] + 1.55) < 0.02
    reached, = sgd_res.verdicts
    assert reached.kind == "global_min", reached.detail
    assert abs(reached.xy[0] - 2.49) < 0.1 and abs(reached.xy[1] - 0.46) < 0.1
    # the description's numbers
    assert "loss 1.07" in sc.description and f"{stuck.loss:.2f}" == "1.07"
    assert "loss 0.021" in sc.description and reached.loss < 0.025
