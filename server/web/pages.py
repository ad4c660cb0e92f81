"""Routes for the browser pages and their static files.

Pages are plain HTML/JS/CSS with nothing loaded from the internet; each page
reads its device or staff token from the URL or a sign-in form and talks to
the JSON API and the live websocket like any other client.
"""
from __future__ import annotations

import html
from pathlib import Path
from types import ModuleType

from aiohttp import web

import display
import kiosk
from server import web as web_pages
from server.demo import demo_devices, demo_token
from server.hall import Hall


def _inside(package: ModuleType, folder: str) -> Path:
    """A page folder shipped as `package`'s data: found wherever the package is installed."""
    assert package.__file__ is not None
    return Path(package.__file__).resolve().parent / folder


STATIC_DIRS = {
    "common": _inside(web_pages, "common"),
    "console": _inside(web_pages, "console"),
    "dashboard": _inside(web_pages, "dashboard"),
    "booking": _inside(web_pages, "booking"),
    "officer": _inside(web_pages, "officer"),
    "reports": _inside(web_pages, "reports"),
    "central": _inside(web_pages, "central"),
    "audit": _inside(web_pages, "audit"),
    "admin": _inside(web_pages, "admin"),
    "kiosk": _inside(kiosk, "static"),
    "display": _inside(display, "static"),
}
PAGES = {
    "/kiosk": STATIC_DIRS["kiosk"] / "index.html",
    "/screen": STATIC_DIRS["display"] / "index.html",
    "/evaluator": STATIC_DIRS["display"] / "evaluator.html",
    "/console": STATIC_DIRS["console"] / "index.html",
    "/dashboard": STATIC_DIRS["dashboard"] / "index.html",
    "/central": STATIC_DIRS["central"] / "index.html",  # every hall of a manager's scope on one page
    "/audit": STATIC_DIRS["audit"] / "index.html",  # 全程留痕: the audit query
    "/officer": STATIC_DIRS["officer"] / "index.html",  # 事进人不进: the department's officer answers summons
    "/admin": STATIC_DIRS["admin"] / "index.html",  # the admin's devices and staff
    "/t/{token}": STATIC_DIRS["kiosk"] / "phone.html",
    "/book": STATIC_DIRS["booking"] / "index.html",  # the citizen's phone books a slot ...
    "/b/{token}": STATIC_DIRS["booking"] / "index.html",  # ... and sees and cancels it (the QR code's link)
    "/reports": STATIC_DIRS["reports"] / "index.html",  # 周公示 月通报 季评比 for managers
    "/weekly": STATIC_DIRS["reports"] / "weekly.html",  # 周公示 in public: the lobby screen and the website
}
_PAGE_FOR_KIND = {"kiosk": "/kiosk", "screen": "/screen", "evaluator": "/evaluator"}


def _page(path: Path):
    async def serve(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})
    return serve


def demo_links(halls: dict[str, Hall]) -> list[tuple[str, str]]:
    """Links for devices still on their shipped demo token (`demo-<id>`), for the index page."""
    return [(f"{hall.name} · {device.id}", f"{_PAGE_FOR_KIND[device.kind.value]}?token={demo_token(device)}")
            for hall in halls.values() for device in demo_devices(hall)]


def index_html(halls: dict[str, Hall], demo: bool) -> str:
    """The index; only the shipped demo halls list their devices' links: anyone may read `/`,
    and a hall with its own config must not hand its device tokens to them."""
    demo_section = ""
    if demo:
        items = "".join(f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>'
                        for label, url in demo_links(halls))
        demo_section = f"<h2>演示设备 (demo devices)</h2><ul>{items or '<li>—</li>'}</ul>"
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>hallq</title>'
        '<link rel="icon" href="/static/common/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/common/base.css"></head><body class="index">'
        "<h1>hallq 排队叫号</h1>"
        '<p><a href="/console">窗口工作台 (staff console)</a></p>'
        '<p><a href="/dashboard">大厅管理看板 (manager dashboard)</a></p>'
        '<p><a href="/central">中心总览 (all halls)</a></p>'
        '<p><a href="/officer">部门办件通知 (department officers)</a></p>'
        '<p><a href="/reports">考核报表 (reports)</a></p>'
        '<p><a href="/weekly">窗口服务周公示 (weekly ranking)</a></p>'
        '<p><a href="/admin">设备与人员管理 (devices and staff, for administrators)</a></p>'
        '<p><a href="/book">网上预约 (book an appointment)</a></p>'
        f"{demo_section}"
        '<p><a href="/api/v1/openapi.json">API (OpenAPI)</a></p></body></html>'
    )


def add_pages(app: web.Application, halls: dict[str, Hall], demo: bool) -> None:
    index = index_html(halls, demo)

    async def home(_request: web.Request) -> web.Response:
        return web.Response(text=index, content_type="text/html")

    app.router.add_get("/", home)
    for route, path in PAGES.items():
        app.router.add_get(route, _page(path))
    for name, folder in STATIC_DIRS.items():
        app.router.add_static(f"/static/{name}/", folder)
