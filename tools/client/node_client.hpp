// bfd-cli's client of a node's HTTP API (docs/http.md): GET and POST of JSON over cpp-httplib.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/client/client_common.hpp"

namespace bfd::cli {

using json = nlohmann::json;

/// A 2xx answer: its status and JSON body.
struct node_answer {
  int status = 0;
  json body;
};

/// An answer, or why there is none: a network failure or the node's JSON error of a non-2xx.
/// The failure's reason is the node's error code (e.g. "nonce_reused"), or "connection_failed",
/// "timeout", "read_failed", "http_error", "bad_response" when the node did not answer usably.
using node_reply = std::variant<node_answer, command_result>;

/// One node endpoint, e.g. "http://127.0.0.1:8645".
class node_client {
public:
  /// Checks `url` (http:// or https://, a host, an optional port, nothing after but "/") and
  /// returns the client, or an invalid_argument failure naming --node.
  static std::variant<node_client, command_result> open(const std::string& url);

  /// GET `path` (starting with "/").
  node_reply get(const std::string& path) const;

  /// GET `path` with extra request headers (a signed read's X-Bfd-* headers).
  node_reply get(const std::string& path, const std::vector<std::pair<std::string, std::string>>& headers) const;

  /// POST `body` as application/json to `path`.
  node_reply post(const std::string& path, const json& body) const;

  /// The URL this client talks to.
  const std::string& url() const noexcept { return url_; }

private:
  explicit node_client(std::string url) : url_(std::move(url)) {}

  std::string url_;
};

/// A string field of a JSON object, or `fallback` when it is missing or not a string.
std::string text_field(const json& j, std::string_view key, std::string_view fallback = "?");

/// An unsigned integer field of a JSON object, or `fallback` when it is missing or not one.
std::uint64_t number_field(const json& j, std::string_view key, std::uint64_t fallback = 0);

/// A nested object field, or null when it is missing or not an object.
const json& object_field(const json& j, std::string_view key);

} // namespace bfd::cli
