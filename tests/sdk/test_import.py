from tests.sdk.conftest import run_child


def test_importing_the_sdk_loads_no_django_module():
    done = run_child(
        """
        import sys
        import aimsite.sdk
        from aimsite.sdk import Run, Image, Audio, Text, Figure, Distribution
        loaded = sorted(m for m in sys.modules if m.startswith("django"))
        assert not loaded, loaded
        print("clean")
        """,
        env={},
    )
    assert done.returncode == 0, done.stderr
    assert "clean" in done.stdout
