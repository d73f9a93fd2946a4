import json
import subprocess
import sys

import pytest

from bpcalc.verify import __version__
from bpcalc.verify.cli import main


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
    out = subprocess.run([sys.executable, "-m", "bpcalc.verify.cli", "info"], capture_output=True, text=True, check=True)
    assert "bpcalc" in out.stdout


def test_help_and_version_do_not_import_cirq():
    """``bpcalc --help`` / ``--version`` answer without the heavy imports (lazy package exports)."""
    import subprocess
    import sys

    code = ("import sys, runpy; sys.argv = ['bpcalc', '{}'];\n"
            "try:\n    runpy.run_module('bpcalc.verify.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "assert 'cirq' not in sys.modules and 'numpy' not in sys.modules, sorted(m for m in sys.modules if m.startswith(('cirq', 'numpy')))[:3]")
    for flag in ("--help", "--version"):
        out = subprocess.run([sys.executable, "-c", code.format(flag)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert "bpcalc" in out.stdout


def test_lazy_package_exports_resolve():
    from bpcalc import verify

    assert verify.VarianceEstimate.__name__ == "VarianceEstimate"
    assert set(verify.__all__) <= set(dir(verify))
    import pytest

    with pytest.raises(AttributeError):
        verify.no_such_name
