"""A plain `pip install .` (not editable) into a fresh virtualenv is the whole product:
its `hallq serve`, run from an empty folder after the source copy is gone, serves
every page, every file of the page folders and the three shipped halls."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from server.web.pages import STATIC_DIRS
from tests.processes import hallq_serve

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("/", "/kiosk", "/screen", "/evaluator", "/console", "/dashboard", "/t/no-such-ticket")
# Named so that a page folder left out of the package fails here by name, not only by count.
KEY_STATIC = ("common/live.js", "common/events.js", "common/base.css", "kiosk/kiosk.js", "kiosk/kiosk.css",
              "display/screen.js", "display/screen.css", "console/console.js", "console/console.css",
              "dashboard/dashboard.js", "dashboard/dashboard.css")
INSTALL_TIMEOUT = 1200.0  # a first install downloads the dependencies; later ones come from pip's cache
READY_TIMEOUT = 300.0  # a loaded two-core machine initialising a new embedded database


def project_files() -> list[str]:
    """A clean checkout's files: tracked ones still present, and new ones git does not ignore."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("a clean copy of the project is made from its git checkout")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True, text=True).stdout
    return sorted({name for name in listed.split("\0") if name and (ROOT / name).is_file()})


def static_urls(files: list[str]) -> dict[str, str]:
    """`/static/...` URL → project file, for every project file in a page folder."""
    urls = {}
    for name, folder in STATIC_DIRS.items():
        prefix = folder.relative_to(ROOT).as_posix() + "/"
        urls.update({f"/static/{name}/{file[len(prefix):]}": file for file in files if file.startswith(prefix)})
    return urls


def run(argv: list[str], timeout: float) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          check=False)  # the assertion below shows pip's output
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install` of a clean copy into a new virtualenv, the copy then removed; the venv's folder."""
    base = tmp_path_factory.mktemp("install")
    copy, venv = base / "source", base / "venv"
    for name in project_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    run([str(venv / "bin" / "pip"), "install", "--disable-pip-version-check", "-q", str(copy)], INSTALL_TIMEOUT)
    shutil.rmtree(copy)
    return venv


def test_the_installed_package_needs_no_checkout(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import server, config; print(server.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert Path(where.strip()).is_relative_to(installed), f"server imported from {where.strip()}"


async def test_pip_installed_hallq_serves_every_page_static_file_and_shipped_hall(installed: Path,
                                                                                  tmp_path: Path) -> None:
    tmp_path.chmod(0o755)  # the embedded PostgreSQL runs as its own system user
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    static = static_urls(project_files())
    assert {f"/static/{path}" for path in KEY_STATIC} <= static.keys()
    server = hallq_serve("installed", None, tmp_path / "data", hallq=installed / "bin" / "hallq", cwd=elsewhere)
    server.start()
    try:
        await server.ready(READY_TIMEOUT)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            health = await (await http.get(f"{server.url}/api/v1/health")).json()
            assert sorted(hall["id"] for hall in health["halls"]) == ["city", "district", "township"]
            for page in PAGES:
                async with http.get(server.url + page) as response:
                    assert (response.status, response.content_type) == (200, "text/html"), page
            for url, file in static.items():
                async with http.get(server.url + url) as response:
                    assert response.status == 200, f"{url} ({file})"
    finally:
        server.stop()
    assert server.process is not None and server.process.returncode == 0, server.log_tail()
    assert not (tmp_path / "data" / "pg" / "postmaster.pid").exists(), "the embedded PostgreSQL still runs"
    assert list(elsewhere.iterdir()) == [], "serving wrote into its working folder"
