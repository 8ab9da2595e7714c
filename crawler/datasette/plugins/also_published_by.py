"""Datasette plugin: "Also published by" on an article's row page."""

from datasette import hookimpl
from datasette.utils import tilde_decode

# Other outlets' URLs of the same article (identical copies), then the other members of
# its near-duplicate cluster (syndicated copies), earliest first.
SQL = """
select urls.source as outlet, urls.url as url, null as article_id, null as title,
  null as published_at, 'identical copy' as kind
from urls join articles on articles.id = urls.article_id
where urls.article_id = :id and urls.status = 'article'
  and urls.source is not articles.source
union all
select others.source, others.url, others.id, others.title, others.published_at,
  'near-duplicate'
from articles as me join articles as others
  on others.cluster_id = me.cluster_id and others.id != me.id
where me.id = :id
order by 5, 1
"""


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    if view_name != "row" or table != "articles" or request is None:
        return {}

    async def also_published_by():
        article_id = tilde_decode(request.url_vars.get("pks", ""))
        db = datasette.get_database(database)
        if not await db.table_exists("clusters"):
            return {"also_published_by": []}
        results = await db.execute(SQL, {"id": article_id})
        return {"also_published_by": [dict(row) for row in results.rows]}

    return also_published_by
