// The HTTP bridge's route table against docs/openapi.yaml: every route the bridge serves is
// documented with its method and every documented path and method is served; and every route of
// the table has a handler registered with cpp-httplib and every handler a route of the table.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "actors/http/http_bridge.hpp"
#include "tests/http/support.hpp"

using namespace bfd;
using namespace bfd::test::http;

namespace {

using operations = std::set<http_route>;

/// The operations of an OpenAPI document's `paths:` section: each path key ("  /v1/…:") with
/// the method keys under it ("    get:", "    post: &x", "    get: *x"). Enough YAML for the
/// layout docs/openapi.yaml keeps (two spaces per level, one key a line).
operations documented(std::istream& in) {
  operations out;
  std::string line;
  std::string path;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      in_paths = line.rfind("paths:", 0) == 0;
      path.clear();
      continue;
    }
    if (!in_paths)
      continue;
    if (line.rfind("  /", 0) == 0) {
      const auto colon = line.find(':', 2);
      path = line.substr(2, colon == std::string::npos ? std::string::npos : colon - 2);
      continue;
    }
    if (path.empty() || line.rfind("    ", 0) != 0 || line.size() < 5 || line[4] == ' ')
      continue;
    for (const char* m : {"get", "post", "put", "delete", "patch", "head", "options"}) {
      const std::string key = std::string(m) + ":";
      if (line.compare(4, key.size(), key) == 0) {
        std::string upper(m);
        for (auto& ch : upper)
          ch = static_cast<char>(ch - 'a' + 'A');
        out.insert({upper, path});
      }
    }
  }
  return out;
}

operations served() {
  const auto routes = http_routes();
  return operations(routes.begin(), routes.end());
}

/// What `a` has that `b` lacks, one "METHOD path" a line.
std::string missing(const operations& a, const operations& b) {
  std::string out;
  for (const auto& r : a)
    if (!b.count(r))
      out += "  " + r.method + " " + r.path + "\n";
  return out;
}

/// A route template as the regular expression its handler is registered with.
std::string pattern_of(const std::string& path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      const auto end = path.find('}', i);
      REQUIRE(end != std::string::npos);
      out += "([^/]+)";
      i = end;
    } else {
      out += path[i];
    }
  }
  return out;
}

} // namespace

TEST_CASE("route table: the OpenAPI reader finds what a document lists, and so what it lacks") {
  std::istringstream doc("openapi: 3.0.3\n"
                         "paths:\n"
                         "  /v1/info:\n"
                         "    get: &info\n"
                         "      summary: x\n"
                         "      parameters:\n"
                         "        - name: get\n"
                         "  /v1/chains/{chain}/info:\n"
                         "    parameters: [{$ref: \"#/components/parameters/ChainId\"}]\n"
                         "    get: *info\n"
                         "  /v1/txs:\n"
                         "    post:\n"
                         "components:\n"
                         "  /v1/not-a-path:\n"
                         "    get:\n");
  const auto ops = documented(doc);
  const operations expected{{"GET", "/v1/info"}, {"GET", "/v1/chains/{chain}/info"}, {"POST", "/v1/txs"}};
  CHECK(ops == expected);
  const operations code{{"GET", "/v1/info"}, {"GET", "/v1/chains/{chain}/info"}, {"POST", "/v1/txs"},
                        {"GET", "/v1/txs"}};
  CHECK(missing(code, ops) == "  GET /v1/txs\n");
  CHECK(missing(ops, code).empty());
}

TEST_CASE("route table: every route the bridge serves is in docs/openapi.yaml with its method, and back") {
  std::ifstream file(BFD_SOURCE_DIR "/docs/openapi.yaml");
  REQUIRE(file);
  const auto spec = documented(file);
  const auto code = served();
  MESSAGE(code.size() << " routes served, " << spec.size() << " operations documented");
  CHECK(code.size() > 40);
  CHECK(code.count({"GET", "/v1/chains/{chain}/contracts/{address}/state/{key}"}) == 1);
  const auto undocumented = missing(code, spec);
  const auto unserved = missing(spec, code);
  CHECK_MESSAGE(undocumented.empty(), "served but not in docs/openapi.yaml:\n" << undocumented);
  CHECK_MESSAGE(unserved.empty(), "in docs/openapi.yaml but not served:\n" << unserved);
}

TEST_CASE("route table: every route has a handler and every handler a route") {
  harness h;
  operations table;
  for (const auto& r : served())
    table.insert({r.method, pattern_of(r.path)});
  const auto patterns = h.n->http()->handler_patterns();
  const operations handlers(patterns.begin(), patterns.end());
  CHECK(handlers.size() == patterns.size());  // no pattern registered twice
  const auto unhandled = missing(table, handlers);
  const auto unrouted = missing(handlers, table);
  CHECK_MESSAGE(unhandled.empty(), "in the route table, no handler (a 404 from cpp-httplib):\n" << unhandled);
  CHECK_MESSAGE(unrouted.empty(), "a handler no route of the table reaches (before_routing answers 404):\n"
                                    << unrouted);
}
