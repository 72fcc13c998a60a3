"""New functions must be instrumented; patches come from real git."""

from dataclasses import replace
from pathlib import Path

import pytest
from gitchange import git_change

from bot.core.results import Outcome, Severity
from bot.core.rules import instrumentation
from bot.core.rules.scope import Scope

PY_SERVICE = '''\
import db
from tracing import tracer


def load_orders(customer):
    with tracer.start_as_current_span("load_orders"):
        rows = db.query("orders", customer)
        total = sum(r.amount for r in rows)
        return total


def load_invoices(customer):
    rows = db.query("invoices", customer)
    paid = [r for r in rows if r.paid]
    late = [r for r in rows if r.late]
    return paid, late


def tiny(x):
    return x
'''


def run(pr, **settings):
    """The rule over every new function (``functions: all``) unless a test says otherwise:
    most tests here are about boundaries and evidence, which every mode shares."""
    settings.setdefault("functions", instrumentation.Functions.ALL)
    return instrumentation.evaluate(pr, replace(instrumentation.Settings(), **settings))


def lines(result) -> list[tuple[str, int]]:
    return [(f.path, f.start_line) for f in result.findings]


def test_uninstrumented_new_function_is_annotated_on_its_definition_line(tmp_path: Path) -> None:
    result = run(git_change(tmp_path, {"svc/orders.py": PY_SERVICE}))
    assert result.outcome is Outcome.FAILED
    assert lines(result) == [("svc/orders.py", 12)]
    [finding] = result.findings
    assert "`load_invoices`" in finding.message
    assert 'tracer.start_as_current_span("load_invoices")' in finding.message
    assert finding.title == "Instrument function `load_invoices`"
    assert finding.severity is Severity.FAILURE
    assert "1 new function in this PR has no instrumentation" in result.reason
    assert "svc/orders.py:12" in result.reason


def test_all_instrumented_passes(tmp_path: Path) -> None:
    code = PY_SERVICE.replace(
        '    rows = db.query("invoices", customer)',
        '    REQUESTS.labels("invoices").inc()\n    rows = db.query("invoices", customer)',
    )
    result = run(git_change(tmp_path, {"svc/orders.py": code}))
    assert result.outcome is Outcome.PASSED
    assert result.reason == "All 2 new functions in this PR are instrumented."


def test_instrumentation_in_another_function_does_not_count(tmp_path: Path) -> None:
    # One span in the file is not enough: each function needs its own.
    result = run(git_change(tmp_path, {"svc/orders.py": PY_SERVICE}))
    assert [f.message.split("`")[1] for f in result.findings] == ["load_invoices"]


def test_function_added_to_an_existing_file_is_found_at_its_new_line(tmp_path: Path) -> None:
    base = {"svc/orders.py": PY_SERVICE}
    grown = PY_SERVICE.replace(
        "\n\ndef tiny(x):",
        "\n\ndef refund(order):\n    order.refund()\n    order.save()\n    notify(order)\n"
        "    audit(order)\n\n\ndef tiny(x):",
    )
    result = run(git_change(tmp_path, {"svc/orders.py": grown}, base))
    assert lines(result) == [("svc/orders.py", 19)]  # load_invoices is not new


def test_changing_a_signature_is_not_a_new_function(tmp_path: Path) -> None:
    base = {"svc/orders.py": PY_SERVICE}
    changed = PY_SERVICE.replace("load_invoices(customer):", "load_invoices(customer, year):")
    assert run(git_change(tmp_path, {"svc/orders.py": changed}, base)).outcome is Outcome.PASSED


def test_tiny_functions_and_ignored_names_do_not_nag(tmp_path: Path) -> None:
    code = (
        "class Point:\n"
        "    def __init__(self, x, y):\n"
        "        self.x = x\n"
        "        self.y = y\n"
        "        self.z = 0\n"
        "        self.w = 0\n"
        "    @property\n"
        "    def norm(self):\n"
        "        return abs(self.x)\n"
    )
    result = run(git_change(tmp_path, {"geo/point.py": code}))
    assert result.outcome is Outcome.PASSED
    assert result.reason == instrumentation.NOTHING_NEW
    assert run(git_change(tmp_path / "b", {"geo/point.py": code}), min_function_lines=2,
               ignore_names=()).findings


def test_endpoints_are_checked_however_short(tmp_path: Path) -> None:
    code = '@app.get("/health")\ndef health():\n    return "ok"\n'
    result = run(git_change(tmp_path, {"api/health.py": code}))
    [finding] = result.findings
    assert finding.start_line == 2
    assert finding.title == "Instrument endpoint `health`"


def test_a_decorator_counts_as_instrumentation(tmp_path: Path) -> None:
    code = '@app.get("/health")\n@tracer.start_as_current_span("health")\ndef health():\n'
    code += "    return 1\n"
    assert run(git_change(tmp_path, {"api/health.py": code})).outcome is Outcome.PASSED


def test_nested_functions_are_covered_by_their_enclosing_function(tmp_path: Path) -> None:
    code = (
        "def outer(items):\n"
        "    def key(item):\n"
        "        a = item.a\n"
        "        b = item.b\n"
        "        c = item.c\n"
        "        return a, b, c\n"
        "    with tracer.start_as_current_span('outer'):\n"
        "        return sorted(items, key=key)\n"
    )
    assert run(git_change(tmp_path, {"svc/sort.py": code})).outcome is Outcome.PASSED


GO_CODE = """\
package store

func (s *Store) Get(ctx context.Context, key string) (string, error) {
\tctx, span := otel.Tracer("store").Start(ctx, "Get")
\tdefer span.End()
\treturn s.db.Get(ctx, key)
}

func (s *Store) Put(ctx context.Context, key, value string) error {
\tif key == "" {
\t\treturn errEmpty
\t}
\treturn s.db.Put(ctx, key, value)
}

func health(w http.ResponseWriter, r *http.Request) {
\tw.WriteHeader(200)
}
"""

TS_CODE = """\
export async function loadUser(id: string): Promise<User> {
  const span = tracer.startSpan("loadUser");
  const user = await db.users.find(id);
  span.end();
  return user;
}

export const saveUser = async (user: User): Promise<void> => {
  validate(user);
  await db.users.save(user);
  await cache.invalidate(user.id);
};

app.get("/users/:id", async (req, res) => {
  res.json(await loadUser(req.params.id));
});
"""

JAVA_CODE = """\
package svc;

public class Orders {
    @Timed("orders.list")
    public List<Order> list(int page) {
        List<Order> all = repo.findAll();
        int from = page * 20;
        return all.subList(from, from + 20);
    }

    @GetMapping("/orders/{id}")
    public Order get(@PathVariable long id) {
        return repo.find(id);
    }
}
"""


@pytest.mark.parametrize(
    ("path", "code", "expected"),
    [
        ("store/store.go", GO_CODE, [(9, "method `Put`"), (16, "handler `health`")]),
        ("web/users.ts", TS_CODE, [(8, "function `saveUser`"),
                                   (14, "endpoint `GET /users/:id`")]),
        ("src/main/java/svc/Orders.java", JAVA_CODE, [(12, "endpoint `get`")]),
    ],
)
def test_each_language(tmp_path: Path, path: str, code: str, expected: list) -> None:
    result = run(git_change(tmp_path, {path: code}))
    got = [(f.start_line, f.title.removeprefix("Instrument ")) for f in result.findings]
    assert got == expected
    assert all(f.path == path for f in result.findings)


@pytest.mark.parametrize(
    ("path", "example"),
    [
        ("a.go", 'otel.Tracer("…").Start(ctx, "Put")'),
        ("a.ts", 'tracer.startActiveSpan("saveUser"'),
        ("A.java", '@WithSpan("get")'),
    ],
)
def test_the_message_shows_how_to_instrument_in_that_language(tmp_path: Path, path: str,
                                                              example: str) -> None:
    code = {"a.go": GO_CODE, "a.ts": TS_CODE, "A.java": JAVA_CODE}[path]
    result = run(git_change(tmp_path, {path: code}))
    assert any(example in f.message for f in result.findings)


@pytest.mark.parametrize(
    "path",
    ["svc/test_orders.py", "svc/tests/helpers.py", "store/store_test.go", "web/users.test.ts",
     "web/__tests__/users.ts", "svc/src/test/java/OrdersTest.java", "proto/orders_pb2.py",
     "api/orders.pb.go", "web/generated/client.ts"],
)
def test_tests_and_generated_code_are_excluded(tmp_path: Path, path: str) -> None:
    code = GO_CODE if path.endswith(".go") else JAVA_CODE if path.endswith(".java") else (
        TS_CODE if path.endswith(".ts") else PY_SERVICE)
    assert run(git_change(tmp_path, {path: code})).outcome is Outcome.PASSED


def test_a_file_that_says_it_was_generated_is_excluded(tmp_path: Path) -> None:
    code = "// Code generated by mockgen. DO NOT EDIT.\n" + GO_CODE
    assert run(git_change(tmp_path, {"store/mock.go": code})).outcome is Outcome.PASSED


def test_own_patterns_and_presets_are_configurable(tmp_path: Path) -> None:
    query = '    rows = db.query("invoices", customer)'
    code = PY_SERVICE.replace(query, '    metrics.track("invoices")\n' + query)
    pr = git_change(tmp_path, {"svc/orders.py": code})
    assert run(pr).outcome is Outcome.FAILED
    assert run(pr, patterns=(r"\bmetrics\.track\(",)).outcome is Outcome.PASSED
    # Without the OpenTelemetry preset, the span in load_orders no longer counts either.
    only_prometheus = run(pr, presets=("prometheus",))
    assert [f.start_line for f in only_prometheus.findings] == [5, 12]


def test_unknown_preset_is_reported(tmp_path: Path) -> None:
    result = run(git_change(tmp_path, {"svc/orders.py": PY_SERVICE}), presets=("zipkin",))
    assert result.outcome is Outcome.FAILED
    assert "`zipkin`" in result.reason and "`opentelemetry`" in result.reason


def test_out_of_scope_and_disabled(tmp_path: Path) -> None:
    pr = git_change(tmp_path, {"svc/orders.py": PY_SERVICE})
    assert run(pr, when=Scope(paths=("web/**",))).outcome is Outcome.SKIPPED
    assert run(pr, enabled=False).outcome is Outcome.SKIPPED
    small = run(pr, when=Scope(paths=("**/*.py",), min_changed_lines=1000))
    assert small.outcome is Outcome.SKIPPED and "fewer than the 1,000" in small.reason


def test_the_rule_reports_every_finding_however_many(tmp_path: Path) -> None:
    # The check run's annotation limit is the renderer's (bot.core.render), not the rule's.
    code = "".join(f"def f{n}(a):\n    a += 1\n    a += 2\n    a += 3\n    return a\n\n"
                   for n in range(60))
    result = run(git_change(tmp_path, {"svc/many.py": code}))
    assert len(result.findings) == 60
    assert "60 new functions" in result.reason


def test_the_body_ends_where_the_indentation_returns(tmp_path: Path) -> None:
    # A metric defined at module level after the function is not inside it.
    code = (
        "def handle(a):\n"
        "    a += 1\n"
        "    a += 2\n"
        "    a += 3\n"
        "    return a\n"
        "\n"
        "REQUESTS = Counter('requests', 'Requests served')\n"
    )
    result = run(git_change(tmp_path, {"svc/h.py": code}))
    assert [f.start_line for f in result.findings] == [1]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("svc/h.py", "def handle(\n    a,\n    b,\n):\n    a += 1\n    a += 2\n"
                     "    REQUESTS.inc()\n    return a\n"),
        ("svc/h.go", "func Handle(\n\tctx context.Context,\n\tid int,\n) error {\n\ta := 1\n"
                     "\tb := 2\n\tctx, span := tracer.Start(ctx, \"Handle\")\n\tdefer span.End()\n"
                     "\treturn nil\n}\n"),
    ],
)
def test_a_multi_line_signature_does_not_end_the_body(tmp_path: Path, path: str, code: str) -> None:
    assert run(git_change(tmp_path, {path: code})).outcome is Outcome.PASSED


def test_a_closing_brace_ends_the_body(tmp_path: Path) -> None:
    code = (
        "export function plain(a: number): number {\n"
        "  a += 1;\n"
        "  a += 2;\n"
        "  a += 3;\n"
        "  return a;\n"
        "}\n"
        "const hits = new Counter({ name: 'hits' });\n"
    )
    result = run(git_change(tmp_path, {"web/plain.ts": code}))
    assert [f.start_line for f in result.findings] == [1]


def test_timing_by_hand_is_not_instrumentation(tmp_path: Path) -> None:
    code = ("def handle(a):\n    start = time.time()\n    a += 1\n    a += 2\n"
            "    log.info('took %s', time.time() - start)\n    return a\n")
    assert run(git_change(tmp_path, {"svc/h.py": code})).outcome is Outcome.FAILED


def test_a_span_annotation_above_a_multi_line_mapping_counts(tmp_path: Path) -> None:
    code = (
        "package svc;\n"
        "\n"
        "public class Orders {\n"
        "    @WithSpan\n"
        "    @GetMapping(\n"
        '        value = "/orders/{id}",\n'
        '        produces = "application/json")\n'
        "    public Order get(@PathVariable long id) {\n"
        "        return repo.find(id);\n"
        "    }\n"
        "}\n"
    )
    result = run(git_change(tmp_path, {"src/main/java/svc/Orders.java": code}))
    assert result.outcome is Outcome.PASSED, result.findings
    # The same endpoint without the span is found, on its own line, as an endpoint.
    bare = code.replace("    @WithSpan\n", "")
    result = run(git_change(tmp_path / "bare", {"src/main/java/svc/Orders.java": bare}))
    assert [(f.start_line, f.title) for f in result.findings] == [
        (7, "Instrument endpoint `get`")]


def test_a_short_endpoint_under_a_multi_line_route_decorator_is_checked(tmp_path: Path) -> None:
    code = '@app.get(\n    "/health",\n    include_in_schema=False,\n)\ndef health():\n'
    code += '    return "ok"\n'
    result = run(git_change(tmp_path, {"api/health.py": code}))
    assert [(f.start_line, f.title) for f in result.findings] == [
        (5, "Instrument endpoint `health`")]


def test_a_method_with_a_wrapped_java_signature_is_checked(tmp_path: Path) -> None:
    code = (
        "public class Orders {\n"
        "    public List<Order> search(\n"
        "            String customer,\n"
        "            int page) {\n"
        "        List<Order> all = repo.findAll(customer);\n"
        "        int from = page * 20;\n"
        "        return all.subList(from, from + 20);\n"
        "    }\n"
        "}\n"
    )
    result = run(git_change(tmp_path, {"src/main/java/svc/Orders.java": code}))
    assert [(f.start_line, f.title) for f in result.findings] == [
        (2, "Instrument method `search`")]


SPANS = ("    with tracer.start_as_current_span('report'):\n",
         '\tctx, span := tracer.Start(ctx, "Report")\n',
         "  const span = tracer.startSpan('report');\n",
         '        Span span = tracer.spanBuilder("r").startSpan();\n')


@pytest.mark.parametrize(
    ("path", "code"),
    [
        # A multi-line string's lines may start at column 0; they are still the body.
        ("svc/q.py", "def report(db):\n    a = 1\n    b = 2\n    c = 3\n    d = 4\n"
                     '    sql = """\nSELECT id, total\nFROM orders\n"""\n'
                     "    with tracer.start_as_current_span('report'):\n"
                     "        return db.query(sql)\n"),
        ("svc/q.go", "func Report(db *DB) error {\n\ta := 1\n\tb := 2\n\tc := 3\n\td := 4\n"
                     "\tq := `\nSELECT id\nFROM orders\n`\n"
                     '\tctx, span := tracer.Start(ctx, "Report")\n\tdefer span.End()\n'
                     "\treturn db.Query(q)\n}\n"),
        ("web/q.ts", "export function report(db: Db) {\n  const a = 1;\n  const b = 2;\n"
                     "  const c = 3;\n  const d = 4;\n  const q = `\nSELECT id\nFROM orders\n`;\n"
                     "  const span = tracer.startSpan('report');\n  return db.query(q);\n}\n"),
        # Editors (PyCharm, IntelliJ) comment lines out at column 0.
        ("svc/c.py", "def report(db):\n    a = 1\n    b = 2\n    c = 3\n    rows = db.all()\n"
                     "#    print(rows)\n"
                     "    with tracer.start_as_current_span('report'):\n"
                     "        return len(rows)\n"),
        ("src/C.java", "class C {\n    public int report(Db db) {\n        int a = 1;\n"
                       "        int b = 2;\n        int c = 3;\n        int n = db.count();\n"
                       "//        System.out.println(n);\n"
                       '        Span span = tracer.spanBuilder("r").startSpan();\n'
                       "        return n;\n    }\n}\n"),
    ],
)
def test_lines_at_column_zero_inside_a_body_do_not_end_it(tmp_path: Path, path: str,
                                                          code: str) -> None:
    result = run(git_change(tmp_path / "with", {path: code}))
    assert result.outcome is Outcome.PASSED, [(f.start_line, f.title) for f in result.findings]
    [span] = [s for s in SPANS if s in code]
    result = run(git_change(tmp_path / "without", {path: code.replace(span, "")}))
    assert len(result.findings) == 1
