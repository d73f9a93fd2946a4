import json
import subprocess
import sys

from verify import __version__
from verify.cli import main


def test_version_flag(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert __version__ in capsys.readouterr().out


def test_info_json(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["required"]["cirq"] is not None
    assert "qsimcirq" in info["optional"]


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "verify.cli", "info"], capture_output=True, text=True, check=True)
    assert "bpcalc" in out.stdout
