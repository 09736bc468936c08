"""The chapter's building blocks: MLPs, dropout, L2 penalty, activations, numerical stability."""

import pytest
import torch

from mlplab.chapter.analyses import activation_curves, exploding_products, grid, matrix_products
from mlplab.chapter.models import DropoutMLPConcise, DropoutMLPScratch, MLPConcise, MLPScratch, dropout, relu
from mlplab.chapter.regression import l2_penalty
from mlplab.workflow import catalogue

TRAINING = {"lr": 0.1, "batch_size": 8, "epochs": 1}


def mlp(num_hiddens, init_std, relu_output=None):
    if relu_output is None:
        return catalogue.MLPConcise(num_hiddens=num_hiddens, init_std=init_std, **TRAINING)
    return catalogue.MLPScratch(
        num_hiddens=num_hiddens, init_std=init_std, relu_output=relu_output, **TRAINING
    )


def dropout_net(num_hiddens, dropouts, init_std):
    return catalogue.Dropout(num_hiddens=num_hiddens, dropout=dropouts, init_std=init_std, **TRAINING)


def test_scratch_and_concise_mlp_compute_the_same_function():
    torch.manual_seed(0)
    scratch, concise = MLPScratch(mlp(64, 0.1, False)), MLPConcise(mlp(64, 0.1))
    with torch.no_grad():
        concise[1].weight.copy_(scratch.W1.T)
        concise[1].bias.copy_(scratch.b1)
        concise[3].weight.copy_(scratch.W2.T)
        concise[3].bias.copy_(scratch.b2)
    X = torch.rand(8, 1, 28, 28)
    assert torch.allclose(scratch(X), concise(X), atol=1e-6)


def test_relu_output_ablation_clips_logits():
    torch.manual_seed(0)
    net = MLPScratch(mlp(16, 1.0, relu_output=True))
    assert (net(torch.rand(32, 784)) >= 0).all()


def test_scratch_and_concise_dropout_nets_agree_in_eval_mode():
    torch.manual_seed(0)
    scratch = DropoutMLPScratch(dropout_net([32, 16], [0.2, 0.5], 0.1))
    concise = DropoutMLPConcise(dropout_net([32, 16], [0.2, 0.5], 0.1))
    linears = [m for m in concise if isinstance(m, torch.nn.Linear)]
    assert len(linears) == len(scratch.linears) == 3
    for target, source in zip(linears, scratch.linears, strict=True):
        target.load_state_dict(source.state_dict())
    scratch.eval(), concise.eval()
    X = torch.rand(4, 784)
    assert torch.allclose(scratch(X), concise(X), atol=1e-6)
    scratch.train()
    assert not torch.allclose(scratch(X), scratch(X))  # masks are drawn per call in training mode


def test_relu_is_max_with_zero():
    x = torch.tensor([-2.0, 0.0, 3.0])
    assert relu(x).tolist() == [0.0, 0.0, 3.0]


def test_dropout_keeps_expectation_and_drops_p():
    torch.manual_seed(0)
    X = torch.full((1000, 1000), 2.0)
    for p in (0.2, 0.5, 0.8):
        out = dropout(X, p)
        assert abs((out == 0).float().mean().item() - p) < 0.005
        assert abs(out.mean().item() - 2.0) < 0.02
        values = out.unique()
        assert len(values) == 2 and values[0] == 0 and values[1].item() == pytest.approx(2.0 / (1 - p))


def test_dropout_edges():
    X = torch.randn(10, 10)
    assert dropout(X, 0.0) is X
    assert torch.equal(dropout(X, 1.0), torch.zeros_like(X))
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
            dropout(X, p)


def test_l2_penalty_is_half_squared_norm():
    w = torch.tensor([3.0, 4.0])
    assert l2_penalty(w).item() == 12.5


def test_activation_gradients_match_analytic_derivatives():
    curves, errors = activation_curves(grid(-10, 10, 0.1))
    assert len(curves) == 200 and curves["x"].iloc[0] == -10 and curves["x"].iloc[-1] < 10
    assert max(errors.values()) < 1e-9
    x = torch.tensor(curves["x"].values)
    assert torch.allclose(
        torch.tensor(curves["sigmoid_grad"].values), torch.sigmoid(x) * (1 - torch.sigmoid(x))
    )
    assert curves["relu_grad"].isin([0.0, 1.0]).all()
    # the vanishing gradient: sigmoid's derivative is tiny far from 0 and at most 1/4
    assert curves["sigmoid_grad"].max() == pytest.approx(0.25, abs=1e-3)
    assert curves["sigmoid_grad"].iloc[0] < 1e-4


def test_grid_rejects_empty_range():
    with pytest.raises(ValueError, match="must exceed"):
        grid(1, 1, 0.1)


def test_exploding_products_grow_beyond_1e20():
    table = exploding_products(100, 4, seed=0)
    assert len(table) == 100
    assert table["log10_max_abs"].iloc[-1] > 20
    assert table["log10_max_abs"].iloc[-1] > table["log10_max_abs"].iloc[9] + 10


def test_each_model_chooses_its_update_step():
    """From-scratch models step with the book's hand-written SGD, concise ones with torch.optim; both
    lower the loss, and a parameter the loss does not reach is left alone."""
    torch.manual_seed(0)
    X, y = torch.rand(64, 784), torch.randint(0, 10, (64,))
    for net in (MLPScratch(mlp(16, 0.1, False)), MLPConcise(mlp(16, 0.1))):
        step = net.configure_optimizers(0.5)
        losses = []
        for _ in range(20):
            loss = torch.nn.functional.cross_entropy(net(X), y)
            losses.append(loss.item())
            step(loss)
        assert losses[-1] < losses[0], type(net).__name__
    scratch = MLPScratch(mlp(16, 0.1, False))
    before = scratch.W1.detach().clone()
    scratch.configure_optimizers(0.5)(scratch.b2.sum() * 0 + (scratch.W2**2).sum())  # no gradient for W1
    assert torch.equal(scratch.W1, before)


def test_an_overflowing_product_is_reported_as_overflow():
    """Far enough, the product overflows float64: the table ends there, and says so."""
    table, line = matrix_products(2000, 4, seed=0)
    assert table["log10_max_abs"].iloc[-1] == float("inf") and len(table) < 2000
    assert line == f"overflows float64 at product {table['products'].iloc[-1]}"
    assert table["log10_max_abs"].iloc[:-1].map(lambda v: v < 309).all()


def test_xavier_uniform_initialisation_has_glorots_bound_and_zero_biases():
    from mlplab.workflow import catalogue

    config = catalogue.MLPConcise(num_hiddens=100, init_std=0.01, init="xavier_uniform", lr=0.1, batch_size=1,
                                  epochs=1)  # fmt: skip
    torch.manual_seed(0)
    net = MLPConcise(config)
    first = net[1].weight
    bound = (6 / (784 + 100)) ** 0.5
    assert first.abs().max() <= bound and first.abs().max() > 0.95 * bound  # uniform up to the bound
    assert torch.all(net[1].bias == 0)
    scratch = MLPScratch(catalogue.MLPScratch(**{**config.__dict__, "relu_output": False}))
    assert scratch.W1.abs().max() <= bound and scratch.W1.std() > 0.5 * bound / 3**0.5


def test_normal_initialisation_draws_what_the_book_draws():
    """`torch.randn(...) * std`, the book's from-scratch spelling, is what an entry without `init` got
    before `init` existed; the models still draw exactly that."""
    from mlplab.workflow import catalogue

    config = catalogue.MLPScratch(
        num_hiddens=16, init_std=0.01, lr=0.1, batch_size=1, epochs=1, relu_output=False
    )
    torch.manual_seed(5)
    W1 = torch.randn(784, 16) * 0.01
    torch.manual_seed(5)
    assert torch.equal(MLPScratch(config).W1, W1)
