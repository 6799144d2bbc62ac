// GET /explorer/ and GET /explorer/{file}: the web explorer's static files (docs/explorer.md),
// read from http_options::explorer_dir. One flat directory: a file name is a single path segment of
// safe characters with a known extension, resolved inside the directory (symbolic links that lead
// out of it are refused), at most max_explorer_file_bytes; no directory listing.
#include <array>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <spdlog/spdlog.h>

#include "actors/http/bridge_core.hpp"

namespace bfd::http {

namespace {

namespace fs = std::filesystem;

struct media {
  std::string_view extension;
  const char* type;
};

/// The only kinds of file served, each with its content type.
constexpr std::array<media, 7> media_types{{
  {".html", "text/html; charset=utf-8"},
  {".js", "text/javascript; charset=utf-8"},
  {".css", "text/css; charset=utf-8"},
  {".svg", "image/svg+xml"},
  {".png", "image/png"},
  {".ico", "image/x-icon"},
  {".txt", "text/plain; charset=utf-8"},
}};

/// The content type of a servable file name, or nullptr: 1 to 64 characters of [A-Za-z0-9._-],
/// not starting with a dot (so never "." or ".."), ending in a known extension.
const char* content_type_of(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.')
    return nullptr;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-';
    if (!ok)
      return nullptr;
  }
  for (const auto& m : media_types)
    if (name.size() > m.extension.size() && name.ends_with(m.extension))
      return m.type;
  return nullptr;
}

void not_found(http::response& res, const std::string& detail) {
  reply(res, 404, error_json(make_error(errc::not_found, detail)));
}

void serve_file(const bridge_core& core, std::string_view name, http::response& res) {
  const auto& dir = core.config.options.explorer_dir;
  if (dir.empty())
    return not_found(res, "this node does not serve the explorer (start bfd-node with --explorer-dir DIR)");
  const char* type = content_type_of(name);
  if (!type)
    return not_found(res, "no explorer file '" + clipped(name, 64)
                            + "' (a name of letters, digits, '.', '_' and '-' with a known extension)");
  std::error_code ec;
  const auto root = fs::canonical(dir, ec);
  if (ec)
    return not_found(res, "the explorer directory is missing");
  const auto path = fs::canonical(root / std::string(name), ec);
  // canonical resolves links: what it names must still be a file directly in the directory.
  if (ec || path.parent_path() != root || !fs::is_regular_file(path, ec))
    return not_found(res, "no explorer file '" + std::string(name) + "'");
  const auto size = fs::file_size(path, ec);
  if (ec || size > max_explorer_file_bytes) {
    if (core.config.log)
      core.config.log->warn("explorer: {} is over {} bytes: not served", path.string(), max_explorer_file_bytes);
    return not_found(res, "no explorer file '" + std::string(name) + "'");
  }
  std::ifstream in(path, std::ios::binary);
  std::string body(static_cast<std::size_t>(size), '\0');
  if (!in.read(body.data(), static_cast<std::streamsize>(body.size())))
    return not_found(res, "no explorer file '" + std::string(name) + "'");
  res.status = 200;
  // The explorer loads nothing from elsewhere and runs no inline script: say so to the browser.
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::move(body), type);
}

} // namespace

void register_explorer_routes(bridge_core& core) {
  core.get("/explorer/", [&core](const http::request&, http::response& res) { serve_file(core, "index.html", res); });
  core.get("/explorer/([^/]+)",
           [&core](const http::request& req, http::response& res) { serve_file(core, req.matches[1], res); });
}

} // namespace bfd::http
