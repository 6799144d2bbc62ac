// The web explorer's static files (actors/http/routes_explorer.cpp, docs/explorer.md): served with
// their content types and headers from the configured directory, nothing outside it, no listing.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "tests/http/support.hpp"

using namespace bfd;
using namespace bfd::test::http;

namespace {

namespace fs = std::filesystem;

/// A temporary explorer directory with a few traps around it, removed at the end.
struct trap_dir {
  fs::path root = fs::temp_directory_path() / ("bfd-explorer-" + std::to_string(std::random_device{}()));
  fs::path dir = root / "explorer";

  trap_dir() {
    fs::create_directories(dir / "sub");
    write(dir / "index.html", "<!doctype html><title>t</title>");
    write(dir / "app.js", "export const x = 1;\n");
    write(dir / ".hidden.js", "hidden");
    write(dir / "notes.conf", "conf");
    write(dir / "sub" / "inner.js", "inner");
    write(dir / "big.js", std::string(1024 * 1024 + 1, 'x'));
    write(root / "secret.js", "SECRET");
    fs::create_symlink(root / "secret.js", dir / "link.js");
  }
  ~trap_dir() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
};

} // namespace

TEST_CASE("the explorer's files are served with their content types and a strict policy") {
  harness h;
  auto page = h.client->Get("/explorer/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body.find("app.js") != std::string::npos);
  CHECK(page->get_header_value("Content-Security-Policy").starts_with("default-src 'self'"));
  CHECK(page->get_header_value("X-Content-Type-Options") == "nosniff");
  auto script = h.client->Get("/explorer/app.js");
  REQUIRE(script);
  CHECK(script->status == 200);
  CHECK(script->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
  auto style = h.client->Get("/explorer/style.css");
  REQUIRE(style);
  CHECK(style->get_header_value("Content-Type") == "text/css; charset=utf-8");
  CHECK(h.client->Head("/explorer/index.html")->status == 200);
  // Without the trailing slash the path is no route (relative asset paths need the slash).
  check_error(h.get("/explorer"), 404, "not_found");
}

TEST_CASE("the explorer serves nothing outside its directory, no hidden file and no listing") {
  trap_dir t;
  harness h([&](http_options& o) { o.explorer_dir = t.dir.string(); });
  h.client->set_url_encode(false);  // the paths below go out exactly as written
  CHECK(h.get("/explorer/app.js").text == "export const x = 1;\n");
  for (const char* path : {"/explorer/../secret.js", "/explorer/..", "/explorer/%2e%2e", "/explorer/..%2fsecret.js",
                           "/explorer/..%2F..%2Fetc%2Fpasswd", "/explorer/%2e%2e%2fsecret.js", "/explorer/.hidden.js",
                           "/explorer/notes.conf", "/explorer/link.js", "/explorer/big.js", "/explorer/sub",
                           "/explorer/sub/inner.js", "/explorer/sub%2finner.js", "/explorer/missing.js",
                           "/explorer/app.js%00.html", "/explorer/.", "/explorer//etc/passwd"}) {
    CAPTURE(path);
    const auto a = h.get(path);
    check_error(a, 404, "not_found");
    CHECK(a.text.find("SECRET") == std::string::npos);
    CHECK(a.text.find("root:") == std::string::npos);
  }
}

TEST_CASE("a node started without an explorer directory answers 404 for it") {
  harness h([](http_options& o) { o.explorer_dir.clear(); });
  check_error(h.get("/explorer/"), 404, "not_found");
  check_error(h.get("/explorer/app.js"), 404, "not_found");
}
