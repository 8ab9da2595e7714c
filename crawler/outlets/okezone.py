from crawler.outlets import Outlet

OUTLET = Outlet(
    name="okezone",
    hosts=("okezone.com",),
    # 2015-17 layouts; the 2020s layout (as public scrapers read it in 2026)
    body=("div#contentx", "div.ctn-desc", "div.c-detail.read"),
    drop=("div.baca-juga", "div.box-gnews"),
)
