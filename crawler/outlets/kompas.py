from crawler.outlets import Outlet

OUTLET = Outlet(
    name="kompas",
    hosts=("kompas.com",),
    # 2018+ layout, 2015-16 section layouts
    body=("div.read__content", "div.kcm-read-text", "div.div-read"),
    drop=("div.kompasidRec", "div.ads-on-body", "div.inner-link-baca-juga"),
)
