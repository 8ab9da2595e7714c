from crawler.outlets import Outlet

OUTLET = Outlet(
    name="kapanlagi",
    hosts=("kapanlagi.com",),
    # 2020s layout; 2015-16 music and entertainment sections
    body=("div.body-paragraph", "div.v7-music-detail-news", "div.entertainment-detail-news"),
    drop=("div.pg-pagination",),
)
