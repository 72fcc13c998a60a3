"""Where new functions begin, per language: the heuristics the instrumentation rule rests on."""

import pytest

from bot.core.languages import GO, JAVA, JAVASCRIPT, PYTHON, Kind, definitions, language_of


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("src/app.py", PYTHON),
        ("cmd/main.go", GO),
        ("web/a.js", JAVASCRIPT),
        ("web/a.jsx", JAVASCRIPT),
        ("web/a.mjs", JAVASCRIPT),
        ("web/a.ts", JAVASCRIPT),
        ("web/App.tsx", JAVASCRIPT),
        ("src/main/java/A.java", JAVA),
        ("SRC/UPPER.PY", PYTHON),
        ("types/index.d.ts", None),
        ("README.md", None),
        ("Makefile", None),
        ("dir.py/file", None),
        ("stub.pyi", None),
    ],
)
def test_language_is_told_by_extension(path: str, language: object) -> None:
    assert language_of(path) is language


def found(language, text: str) -> list[tuple[str, Kind, int]]:
    return [(d.name, d.kind, d.line) for d in definitions(language, text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("def load(path):", [("load", Kind.FUNCTION, 0)]),
        ("async def fetch(url, *, timeout=3):", [("fetch", Kind.FUNCTION, 0)]),
        ("class A:\n    def get(self, key):", [("get", Kind.METHOD, 1)]),
        ("class A:\n    @classmethod\n    def build(cls):", [("build", Kind.METHOD, 2)]),
        ("    def helper(x):", [("helper", Kind.FUNCTION, 0)]),
        ('@app.get("/items")\nasync def items():', [("items", Kind.ENDPOINT, 1)]),
        ('@router.post("/x", status_code=201)\ndef create():', [("create", Kind.ENDPOINT, 1)]),
        ('@bp.route("/")\n@login_required\ndef index():', [("index", Kind.ENDPOINT, 2)]),
        ("x = 'def not_a_function():'", []),
        ("# def commented(): no", []),
        ("undef = 1\nredefine(x)", []),
    ],
)
def test_python(text: str, expected: list) -> None:
    assert found(PYTHON, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("func Parse(s string) (int, error) {", [("Parse", Kind.FUNCTION, 0)]),
        ("func (s *Store) Get(key string) string {", [("Get", Kind.METHOD, 0)]),
        ("func Map[T any](xs []T) []T {", [("Map", Kind.FUNCTION, 0)]),
        (
            "func (s *Server) Users(w http.ResponseWriter, r *http.Request) {",
            [("Users", Kind.HANDLER, 0)],
        ),
        ("func ping(c *gin.Context) {", [("ping", Kind.HANDLER, 0)]),
        (
            '\tmux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {',
            [("/health", Kind.ENDPOINT, 0)],
        ),
        ('\tr.GET("/users/:id", func(c *gin.Context) {', [("GET /users/:id", Kind.ENDPOINT, 0)]),
        ("\tgo func() {", []),
        ("\tdefer func() { recover() }()", []),
        ("type Handler func(int) error", []),
    ],
)
def test_go(text: str, expected: list) -> None:
    assert found(GO, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("function load(id) {", [("load", Kind.FUNCTION, 0)]),
        ("export async function load(id: string): Promise<User> {", [("load", Kind.FUNCTION, 0)]),
        ("export default function* gen() {", [("gen", Kind.FUNCTION, 0)]),
        ("const add = (a, b) => a + b;", [("add", Kind.FUNCTION, 0)]),
        ("export const get = async (id: string): Promise<void> => {", [("get", Kind.FUNCTION, 0)]),
        ("const one = x => x + 1;", [("one", Kind.FUNCTION, 0)]),
        ("let cb = function () {", [("cb", Kind.FUNCTION, 0)]),
        ("class A {\n  async save(x: number): Promise<void> {", [("save", Kind.METHOD, 1)]),
        ("class A {\n  static create() {", [("create", Kind.METHOD, 1)]),
        ("class A {\n  private get name(): string {", [("name", Kind.METHOD, 1)]),
        ("app.get('/users/:id', async (req, res) => {", [("GET /users/:id", Kind.ENDPOINT, 0)]),
        ('router.post("/login", login);', [("POST /login", Kind.ENDPOINT, 0)]),
        ("apiRouter.delete(`/items/${id}`, del);", [("DELETE /items/${id}", Kind.ENDPOINT, 0)]),
        ("@Get(':id')\n  findOne(id) {", [("findOne", Kind.ENDPOINT, 1)]),
        ("const limit = 10;", []),
        ("const m = cache.get('/key');", []),
        ("  if (ready) {", []),
        ("  } else if (x) {", []),
        ("  for (const x of xs) {", []),
        ("  while (true) {", []),
        ("  switch (kind) {", []),
        ("  it('works', () => {", []),
    ],
)
def test_javascript_and_typescript(text: str, expected: list) -> None:
    assert found(JAVASCRIPT, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("    public int size() {", [("size", Kind.METHOD, 0)]),
        ("    private static <T> List<T> copy(List<T> xs) throws IOException {",
         [("copy", Kind.METHOD, 0)]),
        ("    Map<String, List<Integer>> index(String s) {", [("index", Kind.METHOD, 0)]),
        ("    public Store(int capacity) {", [("Store", Kind.METHOD, 0)]),
        ("    public byte[] read(Path p) {", [("read", Kind.METHOD, 0)]),
        ('    @GetMapping("/users/{id}")\n    public User get(@PathVariable Long id) {',
         [("get", Kind.ENDPOINT, 1)]),
        ("    @PostMapping\n    @Timed\n    public void save(User u) {",
         [("save", Kind.ENDPOINT, 2)]),
        ('    @GET\n    @Path("/x")\n    public Response x() {', [("x", Kind.ENDPOINT, 2)]),
        ("        if (x > 0) {", []),
        ("        return compute(x);", []),
        ("        } else if (y) {", []),
        ("        new Thread(r) {", []),
        ("        synchronized (lock) {", []),
        ("    int size();", []),
        ("        foo.bar(x);", []),
    ],
)
def test_java(text: str, expected: list) -> None:
    assert found(JAVA, text) == expected


def test_definitions_come_in_order_with_their_indentation() -> None:
    text = "class A:\n    def a(self):\n        def inner():\n            pass\n\tdef b(self):"
    got = [(d.name, d.line, d.indent) for d in definitions(PYTHON, text)]
    assert got == [("a", 1, 4), ("inner", 2, 8), ("b", 4, 4)]


def test_a_line_matched_by_two_patterns_is_one_definition() -> None:
    # Both the function-declaration and the express-route patterns could claim it.
    assert len(definitions(JAVASCRIPT, "export function handler() {\n")) == 1


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # Formatters wrap long signatures; the first parameter still says "method".
        (PYTHON, "class A:\n    def run(\n        self,\n        x,\n    ):",
         [("run", Kind.METHOD, 1)]),
        # ...and a Go handler's ResponseWriter may sit on the next line.
        (GO, "func Users(\n\tw http.ResponseWriter,\n\tr *http.Request,\n) {",
         [("Users", Kind.HANDLER, 0)]),
        # Java signatures wrap too, and Allman braces sit on their own line.
        (JAVA, "    public ResponseEntity<User> get(\n            @PathVariable Long id) {",
         [("get", Kind.METHOD, 0)]),
        (JAVA, "    public void save(User u)\n    {", [("save", Kind.METHOD, 0)]),
        (JAVA, "    List<User> all(int page)\n            throws IOException {",
         [("all", Kind.METHOD, 0)]),
        (JAVA, "        foo.bar(x,\n            y);", []),
        (JAVA, "        return compute(a,\n            b) {", []),
    ],
)
def test_signatures_that_span_lines(language: object, text: str, expected: list) -> None:
    assert found(language, text) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (PYTHON, '@app.get(\n    "/items",\n    response_model=list[Item],\n)\nasync def items():',
         [("items", Kind.ENDPOINT, 4, 4)]),
        (JAVA, '    @WithSpan\n    @GetMapping(\n        value = "/x",\n'
               '        produces = "json")\n    public Foo get() {',
         [("get", Kind.ENDPOINT, 4, 4)]),
        # A call's closing line above a definition is not a decorator.
        (PYTHON, "setup(\n    x,\n)\ndef f():", [("f", Kind.FUNCTION, 3, 0)]),
    ],
)
def test_decorators_that_span_lines(language: object, text: str, expected: list) -> None:
    got = [(d.name, d.kind, d.line, d.decorators) for d in definitions(language, text)]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NestJS handlers take parameter decorators.
        ("@Get(':id')\n  async findOne(@Param('id') id: string): Promise<User> {",
         [("findOne", Kind.ENDPOINT, 1)]),
        ("class A {\n  save(@Body() dto: CreateDto, @Req() req) {", [("save", Kind.METHOD, 1)]),
        # Generic arrow functions (the trailing comma keeps .tsx from reading a tag).
        ("export const first = async <T,>(xs: T[]): Promise<T> => {",
         [("first", Kind.FUNCTION, 0)]),
        ("const id = <T>(x: T): T => x;", [("id", Kind.FUNCTION, 0)]),
    ],
)
def test_typescript_decorated_parameters_and_generic_arrows(text: str, expected: list) -> None:
    assert found(JAVASCRIPT, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Annotations may share the declaration's line.
        ('    @GetMapping("/health") public String health() {', [("health", Kind.ENDPOINT, 0)]),
        ("    @Bean @Primary public DataSource dataSource(Env env) {",
         [("dataSource", Kind.METHOD, 0)]),
        ('    @Cacheable(value = "x") List<User> all() {', [("all", Kind.METHOD, 0)]),
        ("    @Override", []),
    ],
)
def test_java_annotations_on_the_declaration_line(text: str, expected: list) -> None:
    assert found(JAVA, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Mounting middleware or a router serves nothing itself: there is no body to instrument.
        'app.use("/static", express.static("public"));',
        "app.use('/api', apiRouter);",
    ],
)
def test_express_mounts_are_not_endpoints(text: str) -> None:
    assert found(JAVASCRIPT, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # CommonJS exports, the shape of every Node.js AWS Lambda handler.
        ("exports.handler = async (event) => {", [("handler", Kind.FUNCTION, 0)]),
        ("module.exports.list = async function (req, res) {", [("list", Kind.FUNCTION, 0)]),
        ("exports.limit = 10;", []),
    ],
)
def test_commonjs_exports(text: str, expected: list) -> None:
    assert found(JAVASCRIPT, text) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # Diffs are anyone's text: lines built to make a backtracking pattern go quadratic
        # (seconds per line before) must read in one pass, and find nothing.
        (JAVASCRIPT, "const a = (x) :" + "\t" * 60_000),
        (JAVA, "a b(\n" * 400 + ")" + " " * 100_000),
    ],
)
def test_crafted_lines_find_nothing(language: object, text: str) -> None:
    assert found(language, text) == []
