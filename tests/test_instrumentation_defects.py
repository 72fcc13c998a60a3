"""The instrumentation defects of issue 11, each on a change made by real git.

Boundaries (a definition ends where its body ends), what is asked for by default (entry
points), what is never asked for (tests, examples, scripts, docs, vendored and generated
code, trivial functions), what counts as instrumentation, Rust, and languages not read.
"""

from dataclasses import replace
from pathlib import Path

import pytest
from gitchange import git_change, run_rule

from bot.core.results import Outcome
from bot.core.rules import instrumentation
from bot.core.rules.instrumentation import Functions


def run(pr, **settings):
    return instrumentation.evaluate(pr, replace(instrumentation.Settings(), **settings))


def names(result) -> list[str]:
    return [f.title.split("`")[1] for f in result.findings]


def six_line_class(cls: str, method: str) -> str:
    return (f"class {cls}:\n    def {method}(self, x):\n        y = x + 1\n"
            "        y = y * 2\n        y = y - 3\n        return y\n")


def test_a_method_after_a_top_level_function_is_a_method_of_its_own(tmp_path: Path) -> None:
    # Before: `four` was taken for a closure of `three` (deeper indentation), so unreported.
    three = ("def three(x):\n    y = x + 1\n    y = y * 2\n    y = y - 3\n"
             "    y = y // 4\n    return y\n")
    code = six_line_class("A", "one") + six_line_class("B", "two") + three
    code += six_line_class("C", "four")
    result = run(git_change(tmp_path, {"svc/abc.py": code}), functions=Functions.ALL)
    assert names(result) == ["one", "two", "three", "four"]
    assert [f.start_line for f in result.findings] == [2, 8, 13, 20]
    assert [f.title.split(" `")[0] for f in result.findings] == [
        "Instrument method", "Instrument method", "Instrument function", "Instrument method"]


def test_a_class_method_after_a_javascript_function_is_reported(tmp_path: Path) -> None:
    code = (
        "function helper(items) {\n"
        "  let total = 0;\n"
        "  for (const item of items) {\n"
        "    total += item.price;\n"
        "  }\n"
        "  return total;\n"
        "}\n"
        "\n"
        "class Cart {\n"
        "  add(item) {\n"
        "    this.items.push(item);\n"
        "    this.total += item.price;\n"
        "    this.count += 1;\n"
        "    return this;\n"
        "  }\n"
        "}\n"
    )
    result = run(git_change(tmp_path, {"web/cart.js": code}), functions=Functions.ALL)
    assert names(result) == ["helper", "add"]
    assert result.findings[1].start_line == 10


def test_a_brace_in_a_string_or_a_go_interface_type_ends_no_body(tmp_path: Path) -> None:
    code = (
        "package store\n\n"
        "func Encode(v interface{}) string {\n"
        '\ts := "}"\n'
        "\ts += `}\n`\n"
        "\treturn s // }\n"
        "}\n\n"
        "func (s *Store) Put(key string, v []byte) error {\n"
        "\ts.m[key] = v\n"
        "\ts.n++\n"
        "\ts.dirty = true\n"
        "\treturn nil\n"
        "}\n"
    )
    result = run(git_change(tmp_path, {"store/store.go": code}), functions=Functions.ALL)
    assert names(result) == ["Encode", "Put"]
    span = code.replace("\ts.m[key] = v\n",
                        '\tctx, span := tracer.Start(ctx, "Put")\n\ts.m[key] = v\n')
    result = run(git_change(tmp_path / "b", {"store/store.go": span}), functions=Functions.ALL)
    assert names(result) == ["Encode"]  # Put's span is inside Put's body, not Encode's


def test_counter_from_collections_is_not_instrumentation(tmp_path: Path) -> None:
    code = (
        "from collections import Counter\n\n\n"
        "def word_counts(text):\n"
        "    text = text.lower()\n"
        "    text = text.strip()\n"
        "    words = text.split()\n"
        "    return Counter(words)\n"
    )
    result = run(git_change(tmp_path, {"svc/words.py": code}), functions=Functions.ALL)
    assert names(result) == ["word_counts"]


PY_APP = '''\
from flask import Flask

app = Flask(__name__)


@app.route("/orders/<int:order_id>")
def show_order(order_id):
    return render(load(order_id))


def load(order_id):
    row = db.get(order_id)
    items = db.items(order_id)
    total = sum(i.price for i in items)
    return row, items, total
'''


def test_by_default_only_entry_points_are_asked_for(tmp_path: Path) -> None:
    result = run(git_change(tmp_path, {"shop/app.py": PY_APP}))
    assert names(result) == ["show_order"]
    assert result.findings[0].title == "Instrument endpoint `show_order`"
    assert "1 new entry point in this PR has no instrumentation" in result.reason
    assert "1 other new function is not required to be (`functions: entry-points`)" in (
        result.reason)
    assert names(run(git_change(tmp_path / "all", {"shop/app.py": PY_APP}),
                     functions=Functions.ALL)) == ["show_order", "load"]


def test_exported_adds_public_functions_on_a_journeys_paths(tmp_path: Path) -> None:
    objectives = (
        "journeys:\n"
        "  - name: checkout\n"
        "    sli: checkout latency\n"
        '    target: "p95 latency <= 300ms"\n'
        "    paths: ['shop/**']\n"
    )
    private = PY_APP + (
        "\n\ndef _cache_key(order_id):\n    a = 1\n    b = 2\n    c = 3\n    return a\n")
    settings = replace(instrumentation.Settings(), functions=Functions.EXPORTED)
    result = run_rule(tmp_path, instrumentation, settings,
                      {"docs/performance/objectives.yml": objectives},
                      {"shop/app.py": private, "other/app.py": PY_APP.replace("/orders", "/o")})
    assert [(f.path, f.title.split("`")[1]) for f in result.findings] == [
        ("other/app.py", "show_order"), ("shop/app.py", "show_order"), ("shop/app.py", "load")]


def test_exported_without_an_objectives_file_says_so(tmp_path: Path) -> None:
    settings = replace(instrumentation.Settings(), functions=Functions.EXPORTED)
    result = run_rule(tmp_path, instrumentation, settings, {"README.md": "x\n"},
                      {"shop/app.py": PY_APP})
    assert names(result) == ["show_order"]
    assert "found no journey paths in `docs/performance/objectives.yml`" in result.reason


@pytest.mark.parametrize(
    "path",
    [
        "scripts/release.py",
        "scripts/release_tests.py",
        "src/pkg/release_tests.py",
        "docs/conf.py",
        "examples/server/app.py",
        "action/main.py",
        "exp/internal/github.com/prometheus/common/expfmt/app.py",
        "third_party/lib/app.py",
        "genproto/app.py",
        "benchmarks/app.py",
    ],
)
def test_code_that_never_runs_in_production_is_not_checked(tmp_path: Path, path: str) -> None:
    result = run(git_change(tmp_path, {path: PY_APP}), functions=Functions.ALL)
    assert result.findings == ()


def test_go_option_builders_test_helpers_and_generated_code_are_not_checked(
    tmp_path: Path,
) -> None:
    code = (
        "package zap\n\n"
        "func WithCaller(enabled bool) Option {\n"
        "\treturn optionFunc(func(log *Logger) {\n"
        "\t\tlog.addCaller = enabled\n"
        "\t\tlog.callerSkip = 0\n"
        "\t})\n"
        "}\n\n"
        "func requireLogged(t *testing.T, l *Logger, want string) {\n"
        "\tt.Helper()\n"
        "\tgot := l.String()\n"
        "\tif got != want {\n"
        "\t\tt.Fatal(got)\n"
        "\t}\n"
        "}\n"
    )
    generated = "// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage pb\n\n" + code
    result = run(git_change(tmp_path, {"options.go": code, "pb/x.go": generated,
                                       "api/v1/x.pb.go": code}), functions=Functions.ALL)
    assert result.findings == ()


RUST = '''\
use axum::{extract::State, Json};

pub async fn create_user(
    State(state): State<AppState>,
    Json(payload): Json<CreateUser>,
) -> impl IntoResponse {
    let user = state.db.insert(payload).await;
    (StatusCode::CREATED, Json(user))
}

#[tracing::instrument(skip(state))]
pub async fn list_users(State(state): State<AppState>) -> Json<Vec<User>> {
    let users = state.db.all().await;
    Json(users)
}

pub trait Store {
    fn get(&self, id: u64) -> Option<User>;
}

impl Store for Db {
    fn get(&self, id: u64) -> Option<User> {
        let map = self.map.lock().unwrap();
        let found = map.get(&id).cloned();
        metrics::counter!("store_get").increment(1);
        found
    }
}

impl Db {
    pub fn compact(&self) -> usize {
        let mut map = self.map.lock().unwrap();
        map.retain(|_, v| v.active);
        map.shrink_to_fit();
        map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Db {
        let db = Db::default();
        db.insert(User::default());
        db.insert(User::default());
        db
    }
}
'''


def test_rust_functions_impl_methods_and_axum_handlers(tmp_path: Path) -> None:
    pr = git_change(tmp_path, {"src/users.rs": RUST})
    result = run(pr)
    assert [f.title for f in result.findings] == ["Instrument handler `create_user`"]
    assert "#[tracing::instrument]" in result.findings[0].message
    result = run(pr, functions=Functions.ALL)
    # `get` has the metrics crate's counter; the trait's `get` has no body; `fixture` is a test.
    assert names(result) == ["create_user", "compact"]
    assert [f.title.split(" `")[0] for f in result.findings] == [
        "Instrument handler", "Instrument method"]


def test_actix_route_attributes_are_endpoints(tmp_path: Path) -> None:
    code = '#[get("/users/{id}")]\nasync fn user(id: web::Path<u64>) -> impl Responder {\n'
    code += '    HttpResponse::Ok()\n}\n'
    result = run(git_change(tmp_path, {"src/routes.rs": code}))
    assert [f.title for f in result.findings] == ["Instrument endpoint `user`"]


def test_languages_not_read_are_named_never_passed(tmp_path: Path) -> None:
    change = {f"src/lib/file{i}.cpp": "int f() { return 1; }\n" for i in range(3)}
    change["src/App.kt"] = "fun main() {}\n"
    result = run(git_change(tmp_path, change))
    assert result.outcome is Outcome.SKIPPED
    assert "not checked: 3 C++ files, 1 Kotlin file" in result.reason
    assert "No new function" not in result.reason
    change["svc/app.py"] = PY_APP
    result = run(git_change(tmp_path / "mixed", change))
    assert names(result) == ["show_order"]
    assert "Not checked: 3 C++ files, 1 Kotlin file (languages perfbot does not read yet)." in (
        result.reason)


def test_a_change_with_nothing_to_check_but_unread_files_is_not_a_pass(tmp_path: Path) -> None:
    change = {"svc/util.py": "X = 1\n", "native/fast.cc": "int f() { return 1; }\n"}
    result = run(git_change(tmp_path, change))
    assert result.outcome is Outcome.SKIPPED
    assert "Not checked: 1 C++ file" in result.reason


def test_a_tonic_service_method_is_an_entry_point_and_a_tower_service_is_not(
    tmp_path: Path,
) -> None:
    code = (
        "#[tonic::async_trait]\n"
        "impl Greeter for MyGreeter {\n"
        "    async fn say_hello(\n"
        "        &self,\n"
        "        request: Request<HelloRequest>,\n"
        "    ) -> Result<Response<HelloReply>, Status> {\n"
        "        let name = request.into_inner().name;\n"
        "        Ok(Response::new(HelloReply { message: name }))\n"
        "    }\n"
        "}\n"
        "\n"
        "impl<B> Route<B> {\n"
        "    pub(crate) fn call_owned(self, req: Request<B>) -> RouteFuture<B> {\n"
        "        let req = req.map(Body::new);\n"
        "        self.oneshot_inner_owned(req)\n"
        "    }\n"
        "}\n"
    )
    result = run(git_change(tmp_path, {"src/greeter.rs": code}))
    assert [f.title for f in result.findings] == ["Instrument gRPC method `say_hello`"]


@pytest.mark.parametrize(
    ("path", "needs_record"),
    [
        ("api/client_test.go", False),
        ("services/api/tests/test_orders.py", False),
        ("docs/api/index.md", False),
        ("api/client.go", True),
        ("shop/migrations/0002_orders.py", True),
    ],
)
def test_a_test_under_api_needs_no_design_record(
    tmp_path: Path, path: str, needs_record: bool
) -> None:
    from bot.core.rules import design_record

    result = design_record.evaluate(git_change(tmp_path, {path: "package api\n"}),
                                    design_record.Settings())
    assert (result.outcome is Outcome.FAILED) is needs_record, result.reason


@pytest.mark.parametrize(
    "path",
    [
        "httpx/_client.py",  # a package at the root (encode/httpx)
        "logger.go",  # Go at the root (uber-go/zap)
        "axum/src/routing/mod.rs",  # a Cargo workspace member
        "packages/server/lib/router.ts",  # an npm workspace package
    ],
)
def test_performance_tests_scope_fits_common_layouts(tmp_path: Path, path: str) -> None:
    from bot.core.rules import performance_tests

    big = "".join(f"x{n} = {n}\n" for n in range(60))
    result = performance_tests.evaluate(git_change(tmp_path, {path: big}),
                                        performance_tests.Settings())
    assert result.outcome is Outcome.FAILED, result.reason


@pytest.mark.parametrize("path", ["httpx/_client_test.py", "examples/app.py", "docs/conf.py",
                                  "vendor/github.com/x/y.go"])
def test_performance_tests_scope_leaves_out_what_is_not_served(tmp_path: Path, path: str) -> None:
    from bot.core.rules import performance_tests

    big = "".join(f"x{n} = {n}\n" for n in range(60))
    result = performance_tests.evaluate(git_change(tmp_path, {path: big}),
                                        performance_tests.Settings())
    assert result.outcome is Outcome.SKIPPED, result.reason


@pytest.mark.parametrize(
    ("path", "code", "expected"),
    [
        # utoipa documents an axum handler's operation over several lines.
        ("src/controllers/session.rs",
         '#[utoipa::path(\n    get,\n    path = "/api/private/session/signup",\n'
         '    responses((status = 200, description = "Successful Response")),\n)]\n'
         "pub async fn get_pending_signup(app: AppState, session: SessionExtension)"
         " -> AppResult<Json<Signup>> {\n    let state = session.get();\n    Ok(Json(state))\n}\n",
         ["Instrument endpoint `get_pending_signup`"]),
        # gin handlers return nothing; a binder taking the context and returning an error is
        # a helper the handler calls.
        ("articles/validators.go",
         "package articles\n\nfunc (v *ArticleValidator) Bind(c *gin.Context) error {\n"
         "\terr := common.Bind(c, v)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn nil\n}\n\n"
         "func ArticleCreate(c *gin.Context) {\n\tv := NewArticleValidator()\n"
         "\tc.JSON(http.StatusCreated, v)\n}\n",
         ["Instrument handler `ArticleCreate`"]),
        # A click group whose body is a docstring runs nothing; `init` is a command however
        # Go's `init` is ignored by name.
        ("app/cli.py",
         "import click\n\n\n@app.cli.group()\ndef translate():\n"
         '    """Translation and localization commands."""\n    pass\n\n\n'
         "@translate.command()\n@click.argument('lang')\ndef init(lang):\n"
         "    run_babel(lang)\n",
         ["Instrument CLI command `init`"]),
        # RQ jobs have no decorator: the module calling get_current_job() holds them.
        ("app/tasks.py",
         "from rq import get_current_job\n\n\ndef _set_progress(p):\n"
         "    job = get_current_job()\n    job.meta['p'] = p\n    job.save_meta()\n"
         "    job.refresh()\n\n\ndef export_posts(user_id):\n    _set_progress(0)\n"
         "    user = load(user_id)\n    send(user)\n    _set_progress(100)\n",
         ["Instrument message consumer `export_posts`"]),
        # A FastAPI dependency taking the request is no endpoint; an aiohttp handler is.
        ("app/api/utils/db.py",
         "def get_db(request: Request):\n    return request.state.db\n\n\n"
         "async def create(request: web.Request) -> web.Response:\n"
         "    return web.json_response(await request.json())\n",
         ["Instrument endpoint `create`"]),
    ],
)
def test_entry_points_found_in_the_precision_corpus(
    tmp_path: Path, path: str, code: str, expected: list[str]
) -> None:
    assert [f.title for f in run(git_change(tmp_path, {path: code})).findings] == expected
