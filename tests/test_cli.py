"""The `visible` command line: help that lists what it can do, and mistakes reported as
plain sentences with a non-zero exit, not tracebacks."""

import pytest

from visible.cli import build_parser, main


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "serve", "generate", "audit", "reference", "manage"):
        assert command in out


@pytest.mark.django_db
def test_an_unknown_authority_is_a_clear_error(capsys):
    code = main(["generate", "--authority", "E99999999", "--children", "5", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Unknown authority code 'E99999999'" in err and "Traceback" not in err
