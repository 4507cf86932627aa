import subprocess
import sys

import numpy as np
import pytest

from skae.cli import DataError, load_data, main

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
    rows = ["a,b,c,d,label"] + [",".join(f"{v:.3f}" for v in rng.normal(size=4)) + f",{i % 2}"
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
    X, y, _ = load_data(path)
    assert X.shape == (5, 3) and y.tolist() == list(range(5))


@pytest.mark.parametrize("name, content, message", [
    ("missing.csv", None, "no such file"),
    ("words.csv", "a,b\nx,y\nz,w\n", "not numeric"),
    ("one.csv", "a\n1\n2\n", "at least 2 feature columns"),
    ("bad.npy", "not an array", "cannot read"),
    ("data.txt", "1,2\n", "expected a .csv"),
])
def test_bad_files_give_one_line_errors(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_data(path)
    assert main(["compare", str(path), *FAST]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skae: error:") and err.count("\n") == 1 and "Traceback" not in err


def test_console_script_help():
    for argv in (["--help"], ["compare", "--help"]):
        result = subprocess.run([sys.executable, "-m", "skae.cli", *argv],
                                capture_output=True, text=True, check=True)
        assert "usage: skae" in result.stdout
    assert "--n-components" in result.stdout and "--plot" in result.stdout
