"""The memory that the analyses' grids and the generated data sets' sizes imply, bounded before anything
runs: a slip of a few orders of magnitude (`step: 1e-9` for 0.1) passes every type and range check, and
the job then dies asking for hundreds of gigabytes. Each size is checked against MEMORY_LIMIT with the
memory it implies and the largest value that fits, both in the message. Torch-free.

The bytes per value were measured on the jobs' own code (the growth of peak resident memory over runs
of 10^5 to 10^6 values, torch 2.11 on Linux): a grid value of the activation curves holds its x, each
function's value and gradient (tensors, then the table) and the autograd temporaries; a polynomial
feature is computed in float64 (the power, the division by i!) and kept in float32; a linear input is
float32 with its draw's temporaries; the exploding-gradient matrices are held as tensors and again as
the table of both ends; a row of its curve (measured with 1 × 1 matrices, which never overflow) is a
Python dict, then a table row.

A classifier's model (`model_problems`) is bounded the same way, for a catalogue entry or a sweep's
point: its parameters, several float32 copies each, and the larger of one training batch's and one
evaluation batch's activations (measured on the four classifiers' own code, torch 2.11 on Linux, as the
growth of peak resident memory over widths of 4,000 to 40,000 units). A regression's model is a weight
per feature or input, bounded with its data (`data_problems`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from mlplab.chapter.hyperparameters import Dropout, MLPConcise
from mlplab.chapter.sizes import EVAL_BATCH, NUM_INPUTS, NUM_OUTPUTS
from mlplab.workflow.catalogue import ANALYSES, parse_entry

# Bytes: far above what the chapter's own values need (kilobytes), below what stops a job on a laptop or
# a cluster node (and above the analysis and data jobs' `mem_mb`, which only schedules them).
MEMORY_LIMIT = 10**9

GRID_VALUE_BYTES = 80  # x, the table's copy of it and the temporaries of the gradient check
FUNCTION_BYTES = 33  # per grid value and activation function: its value and gradient, kept twice
POLYNOMIAL_FEATURE_BYTES = 18  # per example and feature x^i/i! (i < max_degree)
LINEAR_INPUT_BYTES = 5  # per example and input
MATRIX_ENTRY_BYTES = 72  # per entry of the size × size matrices of the exploding-gradient draw
PRODUCT_ROW_BYTES = 400  # per product of the curve's table, at most (it ends where float64 overflows)

# A classifier's parameters are float32, held as the weights and their gradients (plain SGD, without
# momentum, keeps no optimizer state), one more copy for the update's temporaries (peaks measured at 2.9
# to 3.6 copies), and three while model.pt is saved (a copy on the CPU, then its serialised bytes, twice).
FLOAT_BYTES = 4
PARAMETER_COPIES = 6
# Per example in a training batch: each input as the uint8 image gathered and its float32 conversion;
# each hidden unit and logit as the layer's output, the bias sum, the ReLU's (and dropout's) tensors and
# their gradients (measured 13 to 23 bytes a unit). Evaluation keeps one float32 a unit, no gradients.
INPUT_BYTES = 5
UNIT_BYTES = 24

# The analyses drawn on a grid, by their config block: how many activation functions each draws.
GRIDS = {a.config: len(a.fixed["functions"]) for a in ANALYSES.values() if "functions" in a.fixed}
MATRICES = ANALYSES["exploding_gradient"].config

Problem = tuple[tuple, str]


def size(n_bytes: float) -> str:
    """'3.58 TB', '160 GB', '420 MB': decimal units, as memory is sold and Slurm's --mem reads."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= scale * 0.9995:  # what rounds to 1000 of the smaller unit is 1 of this one
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes / 1e3:.3g} kB"


def over(what: str, n_bytes: float, fix: str) -> str:
    return (
        f"{what}, about {size(n_bytes)} in memory; the limit is {size(MEMORY_LIMIT)} (MEMORY_LIMIT in "
        f"scripts/mlplab/workflow/config_memory.py): {fix}"
    )


def round_up(x: float) -> float:
    """`x` rounded up to two significant digits, so that a suggested step is never one that fails."""
    scale = 10 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / scale) * scale


def grid_problems(name: str, args: dict) -> Iterator[Problem]:
    """An activation analysis's grid [x_min, x_max) at `step` (its x_max already above its x_min)."""
    width = args["x_max"] - args["x_min"]
    count = math.ceil(width / args["step"])
    functions = GRIDS[name]
    per_value = GRID_VALUE_BYTES + FUNCTION_BYTES * functions
    if count * per_value > MEMORY_LIMIT:
        smallest = round_up(width / (MEMORY_LIMIT // per_value))
        yield (
            ("analyses", name, "step"),
            over(
                f"{args['step']:g} makes {count:,} grid values over [{args['x_min']:g}, {args['x_max']:g}) "
                f"for {functions} function{'s' * (functions != 1)} ({per_value} bytes a value)",
                count * per_value,
                f"use a step of at least {smallest:.2g}",
            ),
        )


def matrix_problems(args: dict) -> Iterator[Problem]:
    """The exploding-gradient draw: `size` × `size` matrices, and a table row per product."""
    block = ("analyses", MATRICES)
    matrices = args["size"] ** 2 * MATRIX_ENTRY_BYTES
    if matrices > MEMORY_LIMIT:
        yield (
            (*block, "size"),
            over(
                f"{args['size']:,} makes matrices of {args['size']:,} × {args['size']:,} "
                f"({MATRIX_ENTRY_BYTES} bytes an entry)",
                matrices,
                f"use a size of at most {math.isqrt(MEMORY_LIMIT // MATRIX_ENTRY_BYTES):,}",
            ),
        )
    rows = args["n_products"] * PRODUCT_ROW_BYTES
    if rows > MEMORY_LIMIT:
        yield (
            (*block, "n_products"),
            over(
                f"{args['n_products']:,} makes up to as many rows of the curve's table "
                f"({PRODUCT_ROW_BYTES} bytes a row)",
                rows,
                f"use at most {MEMORY_LIMIT // PRODUCT_ROW_BYTES:,} products",
            ),
        )


def data_problems(name: str, args: dict) -> Iterator[Problem]:
    """A generated data set: its examples (training and test) × features or inputs, reported under the
    largest of those sizes."""
    examples = args["n_train"] + args["n_test"]
    if name == "polynomial":
        across, per_value, unit = "max_degree", POLYNOMIAL_FEATURE_BYTES, "feature"
    else:
        across, per_value, unit = "num_inputs", LINEAR_INPUT_BYTES, "input"
    width = args[across]
    n_bytes = examples * width * per_value
    if n_bytes <= MEMORY_LIMIT:
        return
    key = max(("n_train", "n_test", across), key=lambda k: args[k])
    if key == across:
        fix = f"use at most {MEMORY_LIMIT // (examples * per_value):,} {unit}s for {examples:,} examples"
    else:
        most = MEMORY_LIMIT // (width * per_value) - (examples - args[key])
        fix = f"use an {key} of at most {most:,}" if most > 0 else "make both n_train and n_test smaller"
    yield (
        ("data", name, key),
        over(
            f"{args[key]:,} makes {args['n_train']:,} training and {args['n_test']:,} test examples of "
            f"{width:,} {unit}s ({per_value} bytes per example and {unit})",
            n_bytes,
            fix,
        ),
    )


def classifier_bytes(widths: list[int], batch: int) -> int:
    """The memory a classifier of hidden `widths` takes to train on batches of `batch` examples and be
    evaluated in batches of EVAL_BATCH (see the constants above)."""
    layers = [NUM_INPUTS, *widths, NUM_OUTPUTS]
    parameters = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(layers, layers[1:], strict=False))
    units = sum(widths) + NUM_OUTPUTS
    training = batch * (NUM_INPUTS * INPUT_BYTES + units * UNIT_BYTES)
    evaluation = EVAL_BATCH * (NUM_INPUTS + units) * FLOAT_BYTES
    return parameters * FLOAT_BYTES * PARAMETER_COPIES + max(training, evaluation)


def largest(fits: Callable[[int], bool], high: int) -> int:
    """The largest n in [0, high] with fits(n) (fits falls as n grows), by bisection: 0 if none."""
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def model_problems(entry: dict, train_examples: int) -> list[tuple[str, str]]:
    """(key, what) where a classifier entry's model would not fit in MEMORY_LIMIT, with the largest value
    that fits: under `batch_size` where a batch of one example would fit, else under `num_hiddens` (its
    widest layer). `train_examples`: the training split's size; a batch is at most the examples a run
    trains on, as training takes it. Regressions: none (see the module docstring)."""
    config = parse_entry(entry)
    if not isinstance(config, MLPConcise | Dropout):
        return []
    widths = list(config.num_hiddens) if isinstance(config, Dropout) else [config.num_hiddens]
    batch = max(1, min(config.batch_size, train_examples - config.validation))
    n_bytes = classifier_bytes(widths, batch)
    if n_bytes <= MEMORY_LIMIT:
        return []
    network = "-".join(f"{width:,}" for width in [NUM_INPUTS, *widths, NUM_OUTPUTS])
    what = (
        f"makes a {network} network ({PARAMETER_COPIES} float32 copies of each parameter) trained on "
        f"batches of {batch:,} and evaluated on batches of {EVAL_BATCH:,} examples"
    )
    if classifier_bytes(widths, 1) <= MEMORY_LIMIT:
        most = largest(lambda b: classifier_bytes(widths, b) <= MEMORY_LIMIT, batch)
        fix = f"use a batch_size of at most {most:,}"
        return [("batch_size", over(f"{config.batch_size:,} {what}", n_bytes, fix))]
    wide = widths.index(max(widths))

    def fits(width: int) -> bool:
        return classifier_bytes([*widths[:wide], width, *widths[wide + 1 :]], batch) <= MEMORY_LIMIT

    most = largest(fits, widths[wide])
    if most == 0:
        fix = "make num_hiddens and batch_size smaller"
    elif len(widths) > 1:
        fix = f"use at most {most:,} units in hidden layer {wide + 1}"
    else:
        fix = f"use a num_hiddens of at most {most:,}"
    value = f"{widths[0]:,}" if len(widths) == 1 else str(widths)
    return [("num_hiddens", over(f"{value} {what}", n_bytes, fix))]


def finite(args: dict) -> bool:
    """No NaN or infinity among a block's numbers (reported as such, after these checks)."""
    return all(math.isfinite(v) for v in args.values() if isinstance(v, float))


def memory_problems(config: dict, clean: Callable[..., bool]) -> list[Problem]:
    """Every size of `config` whose memory is over MEMORY_LIMIT, where the values it reads passed the
    schema (`clean(path)`: no problem found at, inside or above it) and, for a grid, x_max > x_min."""
    problems: list[Problem] = []
    for name in GRIDS:
        if clean(("analyses", name)) and finite(args := config["analyses"][name]):
            if args["x_max"] > args["x_min"]:
                problems += grid_problems(name, args)
    if clean(("analyses", MATRICES)):
        problems += matrix_problems(config["analyses"][MATRICES])
    for name in ("polynomial", "linear"):
        if clean(("data", name)):
            problems += data_problems(name, config["data"][name])
    return problems
