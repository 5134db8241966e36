//! The GraphiQL page with its scripts served from the binary: the page must
//! work where browsers cannot reach a CDN (see `api/assets/graphiql/README.md`).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Part of every asset URL, so browsers may cache assets for good.
pub const VERSION: &str = "4.1.2";

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    ),
];

pub async fn page() -> Html<String> {
    let base = format!("/graphiql/{VERSION}");
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Masterplan API – GraphiQL</title>
    <style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
    <link rel="stylesheet" href="{base}/graphiql.min.css">
    <script src="{base}/react.production.min.js"></script>
    <script src="{base}/react-dom.production.min.js"></script>
    <script src="{base}/graphiql.min.js"></script>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script>
      const fetcher = GraphiQL.createFetcher({{ url: new URL("/graphql", window.location.origin).toString() }});
      const defaultQuery = `# The Dortmund masterplan: measures with goals and KPIs.
{{
  measures(first: 5) {{
    totalCount
    nodes {{
      code
      title
      workingGroup {{ code }}
      goals {{ text timing {{ phrase dueOn }} }}
      kpis {{ name unit }}
    }}
  }}
}}
`;
      ReactDOM.createRoot(document.getElementById("graphiql")).render(
        React.createElement(GraphiQL, {{ fetcher, defaultQuery }})
      );
    </script>
  </body>
</html>
"#
    ))
}

pub async fn asset(Path((version, name)): Path<(String, String)>) -> Response {
    let found = ASSETS.iter().find(|(file, _, _)| *file == name);
    match found {
        Some((_, content_type, bytes)) if version == VERSION => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *bytes,
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
