from crawler.outlets import Outlet

OUTLET = Outlet(
    name="okezone",
    hosts=("okezone.com",),
    body=("div#contentx", "div.ctn-desc"),
    drop=("div.baca-juga", "div.box-gnews"),
)
