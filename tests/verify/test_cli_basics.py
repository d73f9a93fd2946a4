import json
import subprocess
import sys

import pytest

from verify import __version__
from verify.cli import main


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_info_json(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    import cirq

    assert info["required"]["cirq"] == cirq.__version__
    assert "qsimcirq" in info["optional"]


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "verify.cli", "info"], capture_output=True, text=True, check=True)
    assert "bpcalc" in out.stdout
