from crawler.outlets import Outlet

OUTLET = Outlet(
    name="liputan6",
    hosts=("liputan6.com",),
    # 2020s layout (its items, else their wrapper); 2016 layout
    body=(
        "div.article-content-body__item-content",
        "div.article-content-body",
        "div.read-page__content-body",
    ),
    drop=("div.baca-juga", "div.article-content-body__item-page-number"),
)

# Photo galleries: the body is the captions.
PHOTO = Outlet(
    name="liputan6-photo",
    hosts=("photo.liputan6.com",),
    body=("figcaption.read-page--photo-gallery--item__caption",),
)
