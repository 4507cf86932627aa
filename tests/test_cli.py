import subprocess
import sys
from types import SimpleNamespace
from unittest import mock

import numpy as np
import pytest

from skae.cli import DataError, format_table, load_data, main

FAST = ["--max-iter", "3", "--n-components", "4", "--quiet", "--device", "cpu"]


def test_compare_on_bundled_digits(capsys):
    assert main(["compare", *FAST]) == 0
    out = capsys.readouterr().out
    for name in ("PCA", "AutoEncoderTransformer", "DenoisingAutoEncoder", "StackedAutoEncoder"):
        assert name in out
    assert "accuracy" in out


def test_compare_csv_with_label_column(tmp_path, capsys):
    rng = np.random.default_rng(0)
    path = tmp_path / "data.csv"
    rows = ["a,b,c,d,e,label"] + [",".join(f"{v:.3f}" for v in rng.normal(size=5)) + f",{i % 2}"
                                 for i in range(80)]
    path.write_text("\n".join(rows))
    assert main(["compare", str(path), "--label-column", "label", *FAST]) == 0
    assert "accuracy" in capsys.readouterr().out


def test_compare_npy_without_labels(tmp_path, capsys):
    path = tmp_path / "X.npy"
    np.save(path, np.random.default_rng(0).normal(size=(60, 6)))
    assert main(["compare", str(path), *FAST]) == 0
    assert "accuracy" not in capsys.readouterr().out


def test_compare_saves_plot(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "cmp.png"
    assert main(["compare", *FAST, "--plot", str(out)]) == 0
    assert out.stat().st_size > 1000


def test_npz_with_y(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, X=np.ones((5, 3)), y=np.arange(5))
    X, y, _, _ = load_data(path)
    assert X.shape == (5, 3) and y.tolist() == list(range(5))


@pytest.mark.parametrize("name, content, message", [
    ("missing.csv", None, "no such file"),
    ("words.csv", "a,b\nx,y\nz,w\n", "column 'a' is not numeric"),
    ("header.csv", "a,b,c\n", "header but no data rows"),
    ("one.csv", "a\n1\n2\n", "at least 2 feature columns"),
    ("bad.npy", "not an array", "cannot read"),
    ("data.txt", "1,2\n", "expected a .csv"),
    ("twice.csv", "a,a,b\n1,2,3\n4,5,6\n", "names column 'a' more than once"),
    ("labelled.csv", "a,b,y\n1,2,3.5\n3,4,\n5,6,7.5\n",
     "column 'y' has 1 blank or missing label\\(s\\), the first in data row 2"),
])
def test_bad_files_give_one_line_errors(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    labelled = name.startswith("labelled")
    with pytest.raises(DataError, match=message):
        load_data(path, label_column="y" if labelled else None)
    label = ["--label-column", "y"] if labelled else []
    assert main(["compare", str(path), *label, *FAST]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skae: error:") and err.count("\n") == 1 and "Traceback" not in err


def test_console_script_help():
    for argv in (["--help"], ["compare", "--help"]):
        result = subprocess.run([sys.executable, "-m", "skae.cli", *argv],
                                capture_output=True, text=True, check=True)
        assert "usage: skae" in result.stdout
    assert "--n-components" in result.stdout and "--plot" in result.stdout


def _csv(path, X, y=None, names=None):
    names = names or [f"f{i}" for i in range(X.shape[1])]
    header = ",".join(names + ([] if y is None else ["target"]))
    lines = [",".join(str(v) for v in row) + ("" if y is None else f",{t}")
             for row, t in zip(X, y if y is not None else [None] * len(X), strict=True)]
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def _one_error_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("skae: error:") and err.count("\n") == 1, err
    assert message in err


def test_a_continuous_target_is_scored_by_r2_and_the_header_says_so(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5))
    path = _csv(tmp_path / "reg.csv", X, X[:, 0] * 3.5 + 100.5)
    assert main(["compare", str(path), "--label-column", "target", *FAST]) == 0
    out = capsys.readouterr().out
    assert "R^2" in out and "accuracy" not in out
    assert "lower is better" in out and "data's units" in out


def test_scale_standard_is_printed(tmp_path, capsys):
    path = _csv(tmp_path / "x.csv", np.random.default_rng(0).normal(size=(60, 6)))
    assert main(["compare", str(path), "--scale", "standard", *FAST[:-3], "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    assert "--scale standard" in captured.err and "standard units" in captured.out


def test_default_n_components_is_below_the_feature_count(tmp_path, capsys):
    path = _csv(tmp_path / "x.csv", np.random.default_rng(0).normal(size=(60, 6)))
    assert main(["compare", str(path), "--max-iter", "2", "--device", "cpu"]) == 0
    assert "n_components=5" in capsys.readouterr().err


@pytest.mark.parametrize("width", [4, 6])  # 4 = 2 x 2 was drawn as images
def test_plot_of_a_table_shows_errors_per_feature(tmp_path, monkeypatch, width):
    pytest.importorskip("matplotlib")
    import skae.plotting

    drawn = mock.Mock(wraps=skae.plotting.plot_feature_errors)
    monkeypatch.setattr(skae.plotting, "plot_feature_errors", drawn)
    path = _csv(tmp_path / "x.csv", np.random.default_rng(0).normal(size=(60, width)))
    out = tmp_path / "table.png"
    assert main(["compare", str(path), *FAST, "--n-components", "2", "--plot", str(out)]) == 0
    assert drawn.call_args.kwargs["feature_names"] == [f"f{i}" for i in range(width)]
    assert out.stat().st_size > 1000


@pytest.mark.parametrize("argv_tail, message", [
    (["--n-components", "6"], "--n-components=6 must be below the number of features (6)"),
    (["--test-size", "0"], "--test-size"),
    (["--test-size", "1"], "--test-size"),
    (["--device", "cuda:7"], "CUDA"),
    (["--plot", "out.xyz"], "matplotlib writes"),
    (["--plot", "no/such/folder/out.png"], "no folder"),
])
def test_options_it_cannot_use_are_one_error_line(tmp_path, capsys, argv_tail, message):
    import torch

    if "cuda:7" in argv_tail and torch.cuda.device_count() > 7:
        pytest.skip("this machine has the device")
    path = _csv(tmp_path / "x.csv", np.random.default_rng(0).normal(size=(60, 6)))
    _one_error_line(capsys, ["compare", str(path), "--quiet", *argv_tail], message)


def test_data_it_cannot_use_is_one_error_line(tmp_path, capsys):
    X = np.random.default_rng(0).normal(size=(60, 4))
    X[3, 2] = np.nan
    _one_error_line(capsys, ["compare", str(_csv(tmp_path / "nan.csv", X)), *FAST],
                    "miss values (1 of them; the first at data row 4, column 'f2')")
    _one_error_line(capsys, ["compare", str(_csv(tmp_path / "nan.csv", X)), *FAST],
                    "skae.AutoEncoderImputer")
    X[3, 2] = np.inf
    _one_error_line(capsys, ["compare", str(_csv(tmp_path / "inf.csv", X)), *FAST],
                    "infinite values (1 of them; the first at data row 4, column 'f2')")
    X[3, 2] = 1e300
    _one_error_line(capsys, ["compare", str(_csv(tmp_path / "big.csv", X)), *FAST],
                    "beyond float32's range, in which the autoencoders train (1 of them")
    X = np.random.default_rng(0).normal(size=(60, 4))
    _one_error_line(capsys, ["compare", str(_csv(tmp_path / "few.csv", X[:8])), "--quiet"],
                    "too few")
    y = np.arange(60.0)
    y[5] = np.nan
    _one_error_line(capsys, ["compare", str(_csv(tmp_path / "y.csv", X, y)), "--label-column",
                             "target", *FAST],
                    "1 blank or missing label(s), the first in data row 6")
    text = tmp_path / "text.csv"
    text.write_text("a,b,city\n1,2,Paris\n3,4,Rome\n")
    _one_error_line(capsys, ["compare", str(text), *FAST], "column 'city' is not numeric")


def test_cells_are_read_as_a_csv_user_means_them(tmp_path, capsys):
    # "NA" is missing (as pandas reads it), "5_1" is not 51, a line of spaces is blank,
    # and a bad row is named
    path = tmp_path / "cells.csv"
    path.write_text("a,b,c\n1,2,3\n4,NA,6\n7,8,9\n   \n")
    _one_error_line(capsys, ["compare", str(path), *FAST],
                    "miss values (1 of them; the first at data row 2, column 'b')")
    path.write_text("a,b,c\n1,2,3\n4,5_1,6\n")
    _one_error_line(capsys, ["compare", str(path), *FAST],
                    "column 'b' is not numeric (it holds '5_1' in data row 2)")
    path.write_text("a,b,c\n1,2,3\n4,5\n")
    _one_error_line(capsys, ["compare", str(path), *FAST], "data row 2 (blank lines not counted) "
                    "has 2 fields, the header 3")


def test_more_cells_and_labels_it_cannot_use(tmp_path, capsys):
    path = tmp_path / "cells.csv"
    path.write_text("a,b,c\n1,2,3\n4,abc,6\n")
    _one_error_line(capsys, ["compare", str(path), *FAST], "holds 'abc' in data row 2")
    path.write_text("a,b,c\n1,2,3\n4,\u0661\u0662,6\n")  # Arabic-Indic digits: float() takes them
    _one_error_line(capsys, ["compare", str(path), *FAST], "column 'b' is not numeric")
    _one_error_line(capsys, ["compare", "--label-column", "y", *FAST], "give the CSV file")
    # one row of class 1, which the split puts among the test rows
    X = np.random.default_rng(0).normal(size=(40, 6))
    y = np.zeros(40)
    y[4] = 1
    _one_error_line(capsys, ["compare", str(_csv(tmp_path / "rare.csv", X, y)), "--label-column",
                             "target", *FAST], "the training rows hold one class only")


def test_labels_it_cannot_use_are_named_before_training(tmp_path, capsys):
    X = np.random.default_rng(0).normal(size=(60, 4))
    npz = tmp_path / "d.npz"
    np.savez(npz, X=X, y=np.zeros((60, 2)))
    _one_error_line(capsys, ["compare", str(npz), *FAST], "one value per row of the features (60)")
    _one_error_line(capsys, ["compare", str(npz), "--label-column", "y", *FAST],
                    "--label-column names a CSV column")
    _one_error_line(capsys, ["compare", str(_csv(tmp_path / "one.csv", X, np.ones(60))),
                             "--label-column", "target", *FAST], "one value only ('1.0')")


def test_the_table_plot_labels_bars_with_the_csv_header(tmp_path):
    pytest.importorskip("matplotlib")
    from skae.plotting import plot_feature_errors

    fig = plot_feature_errors({"PCA": [1.0, 2.0], "AE": [0.5, 1.0]}, feature_names=["ash", "pH"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["ash", "pH"]
    with pytest.raises(ValueError, match="1 names for 2 features"):
        plot_feature_errors({"PCA": [1.0, 2.0]}, feature_names=["ash"])


def test_a_plot_path_that_is_a_folder_is_one_error_line(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    (tmp_path / "plots.png").mkdir()
    path = _csv(tmp_path / "x.csv", np.random.default_rng(0).normal(size=(60, 6)))
    _one_error_line(capsys, ["compare", str(path), *FAST, "--plot", str(tmp_path / "plots.png")],
                    "is a folder")
    _one_error_line(capsys, ["compare", str(path), *FAST, "--plot", str(tmp_path)],
                    "is a folder")  # not "matplotlib writes ... files" for a folder's name
    _one_error_line(capsys, ["compare", str(tmp_path), *FAST], "it is a folder")


def test_header_names_are_read_without_the_spaces_around_them(tmp_path):
    path = tmp_path / "spaced.csv"
    path.write_text("a, b, target\n1, 2, 0\n3, 4, 1\n")
    X, y, _, names = load_data(path, label_column="target")
    assert names == ["a", "b"] and y.tolist() == [0.0, 1.0]
    with pytest.raises(DataError, match=r"no column 'y' \(it has 'a', 'b', 'target'\)"):
        load_data(path, label_column="y")
    path.write_text('"my a", "my b", "the target"\n1, 2, 0\n3, 4, 1\n')  # quotes after spaces
    X, y, _, names = load_data(path, label_column="the target")
    assert names == ["my a", "my b"] and y.tolist() == [0.0, 1.0]


def test_a_csv_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("target,a,b\n0,1,2\n1,3,4\n".encode("utf-8-sig"))
    X, y, _, _ = load_data(path, label_column="target")
    assert X.shape == (2, 2) and y.tolist() == [0.0, 1.0]


def test_version(capsys):
    assert main(["--version"]) == 0 and capsys.readouterr().out.startswith("skae ")



def test_the_table_marks_a_model_that_kept_its_pca_start():
    rows = [{"model": "PCA", "test_mse": 2.954, "fit_s": 0.1, "fitted": SimpleNamespace()},
            {"model": "DenoisingAutoEncoder", "test_mse": 2.954, "fit_s": 1.3,
             "fitted": SimpleNamespace(best_epoch_=0)},
            {"model": "AutoEncoderTransformer", "test_mse": 1.6, "fit_s": 7.0,
             "fitted": SimpleNamespace(best_epoch_=12)}]
    lines = format_table(rows, None, "the data's units").splitlines()
    assert lines[-1].startswith("* no training epoch beat the PCA start")
    dae, ae = lines[-3], lines[-2]
    assert dae.endswith("  *") and not ae.endswith("*")
    assert "1.600" in ae  # the same digits in every row


def test_a_first_row_of_numbers_is_named_as_likely_data(tmp_path, capsys):
    X = np.random.default_rng(0).normal(size=(40, 6)).round(3)
    noisy = ["--max-iter", "2", "--n-components", "2", "--device", "cpu"]
    assert main(["compare", str(_csv(tmp_path / "raw.csv", X[1:], names=list(map(str, X[0])))),
                 *noisy]) == 0
    assert "holds numbers only" in capsys.readouterr().err
    # pandas' default header (0, 1, ...) is a header; its index column has no name
    assert main(["compare", str(_csv(tmp_path / "ints.csv", X, names=list("012345"))),
                 *noisy]) == 0
    assert "holds numbers only" not in capsys.readouterr().err
    assert main(["compare", str(_csv(tmp_path / "index.csv", X, names=["", *"01234"])),
                 *noisy]) == 0
    err = capsys.readouterr().err
    assert "holds numbers only" not in err and "column 0 of" in err and "index=False" in err
    counts = np.random.default_rng(0).poisson(5, (40, 6))  # integer data, no header
    assert main(["compare", str(_csv(tmp_path / "counts.csv", counts,
                                     names=["3", "7", "1", "9", "4", "6"])), *noisy]) == 0
    assert "holds numbers only" in capsys.readouterr().err
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("1,1,2\n3,4,5\n6,7,8\n")
    _one_error_line(capsys, ["compare", str(repeated), *noisy], "needs a header row")


def test_a_model_that_cannot_train_is_a_failed_row_and_the_rest_compare(tmp_path, capsys):
    # a column near 1e8: masking noise (0) is far off it, so the denoiser cannot start;
    # float32 resolves it coarsely, which every network's fit warns of
    X = np.random.default_rng(0).normal(size=(120, 5))
    X[:, 0] += 1e8
    path = tmp_path / "X.npy"
    np.save(path, X)
    assert main(["compare", str(path), "--max-iter", "3", "--n-components", "2",
                 "--device", "cpu"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert any(line.startswith("DenoisingAutoEncoder") and "failed" in line for line in lines)
    assert any(line.startswith("PCA ") for line in lines)
    assert any(line.startswith("DenoisingAutoEncoder failed: Training cannot start")
               and line.endswith("(here: --scale standard)") for line in lines)
    warned = [line for line in captured.err.splitlines() if line.startswith("skae: warning:")]
    assert len(warned) == 1 and "vary little for their size" in warned[0]  # once, not per model
    assert "(here: --scale standard)" in warned[0]
    # scaled, every model trains and nothing warns
    assert main(["compare", str(path), "--max-iter", "3", "--n-components", "2",
                 "--device", "cpu", "--scale", "standard"]) == 0
    captured = capsys.readouterr()
    assert "failed" not in captured.out and "skae: warning:" not in captured.err


def test_no_model_that_can_train_is_one_error_line(capsys):
    def fails(name, *args):
        return {"model": name, "fitted": None, "fit_s": 0.0, "failed": "reason"}

    with mock.patch("skae.cli.evaluate", side_effect=fails):
        assert main(["compare", *FAST]) == 2
    assert capsys.readouterr().err.strip() == "skae: error: no model could train: reason"


def test_the_scaling_hint_is_given_once_when_no_model_could_train(capsys):
    def fails(name, *args):
        return {"model": name, "fitted": None, "fit_s": 0.0,
                "failed": "centre X first (StandardScaler)"}

    with mock.patch("skae.cli.evaluate", side_effect=fails):
        assert main(["compare", *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("(StandardScaler) (here: --scale standard)")
    assert err.count("--scale standard") == 1
