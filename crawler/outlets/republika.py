from crawler.outlets import Outlet

OUTLET = Outlet(
    name="republika",
    hosts=("republika.co.id",),
    # photo stories (In Picture) keep their text in a teaser under the photos
    body=("div.article-content", "div.teaser-pic"),
    drop=("div.baca-juga",),
)
