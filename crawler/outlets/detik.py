from crawler.outlets import Outlet

OUTLET = Outlet(
    name="detik",
    hosts=("detik.com",),
    # 2022+ layout, 2015-17 layout, photo stories (readfoto)
    body=("div.detail__body-text", "div#detikdetailtext", "div.text_detail", "div.text_gal"),
    drop=("div.detail__body-tag", "div.lihatjg", "table.linksisip", "div.parallaxindetail"),
)
