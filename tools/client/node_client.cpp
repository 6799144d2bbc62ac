// bfd-cli's client of a node's HTTP API over cpp-httplib: endpoint checks, requests, error mapping.
#include "tools/client/node_client.hpp"

#include <regex>
#include <utility>

#include <fmt/format.h>
#include <httplib.h>

namespace bfd::cli {

namespace {

constexpr int connect_timeout_s = 3;
constexpr int read_timeout_s = 10;  // the bridge answers within its 5 s actor timeout
constexpr int write_timeout_s = 5;
constexpr std::size_t max_quoted_body = 200;

// The failure for a request that got no HTTP answer at all; `what` is "GET /v1/info" and alike.
command_result transport_failure(httplib::Error err, const std::string& url, const std::string& what) {
  switch (err) {
    case httplib::Error::Connection:
      return command_failure("connection_failed",
                             fmt::format("cannot connect to {} ({}); is a node serving HTTP there? "
                                         "Choose one with --node or BFD_NODE",
                                         url, what));
    case httplib::Error::ConnectionTimeout:
      return command_failure("timeout", fmt::format("no connection to {} within {} s ({})", url,
                                                    connect_timeout_s, what));
    case httplib::Error::Read:
      return command_failure("read_failed",
                             fmt::format("no complete answer from {} within {} s ({})", url,
                                         read_timeout_s, what));
    case httplib::Error::Write:
      return command_failure("write_failed", fmt::format("could not send to {} ({})", url, what));
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return command_failure("tls_failed", fmt::format("TLS with {} failed: {} ({})", url,
                                                       httplib::to_string(err), what));
    default:
      return command_failure("http_error", fmt::format("request to {} failed: {} ({})", url,
                                                       httplib::to_string(err), what));
  }
}

// The answer to `method` `path`, or the failure: no answer, or the node's error of a non-2xx.
node_reply interpret(const httplib::Result& res, const std::string& url, const char* method,
                     const std::string& path) {
  if (!res)
    return transport_failure(res.error(), url, fmt::format("{} {}", method, path));
  const std::string what = fmt::format("{} {}{}", method, url, path);
  auto body = json::parse(res->body, nullptr, false);
  if (res->status >= 200 && res->status < 300) {
    if (body.is_discarded())
      return command_failure("bad_response",
                             fmt::format("HTTP {} with a body that is not JSON from {}", res->status,
                                         what));
    return node_answer{res->status, std::move(body)};
  }
  const json& err = object_field(body, "error");
  if (err.is_object() && err.contains("code") && err["code"].is_string())
    return command_failure(err["code"].get<std::string>(),
                           fmt::format("{} (HTTP {} from {})", text_field(err, "detail", ""),
                                       res->status, what));
  std::string quoted = res->body.substr(0, max_quoted_body);
  return command_failure("http_error",
                         fmt::format("HTTP {} from {}: {}", res->status, what, quoted));
}

httplib::Client make_client(const std::string& url) {
  httplib::Client client(url);
  client.set_connection_timeout(connect_timeout_s, 0);
  client.set_read_timeout(read_timeout_s, 0);
  client.set_write_timeout(write_timeout_s, 0);
  client.set_keep_alive(false);
  return client;
}

} // namespace

std::variant<node_client, command_result> node_client::open(const std::string& url) {
  static const std::regex form(R"(^https?://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/?$)");
  if (!std::regex_match(url, form))
    return command_failure("invalid_argument",
                           fmt::format("--node: '{}' is not an endpoint like http://127.0.0.1:8645",
                                       url));
  std::string trimmed = url;
  if (trimmed.ends_with('/'))
    trimmed.pop_back();
  return node_client(std::move(trimmed));
}

node_reply node_client::get(const std::string& path) const {
  auto client = make_client(url_);
  return interpret(client.Get(path), url_, "GET", path);
}

node_reply node_client::get(const std::string& path,
                             const std::vector<std::pair<std::string, std::string>>& headers) const {
  auto client = make_client(url_);
  httplib::Headers h(headers.begin(), headers.end());
  return interpret(client.Get(path, h), url_, "GET", path);
}

node_reply node_client::post(const std::string& path, const json& body) const {
  auto client = make_client(url_);
  return interpret(client.Post(path, body.dump(), "application/json"), url_, "POST", path);
}

std::string text_field(const json& j, std::string_view key, std::string_view fallback) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string())
      return it->get<std::string>();
  }
  return std::string(fallback);
}

std::uint64_t number_field(const json& j, std::string_view key, std::uint64_t fallback) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number_unsigned())
      return it->get<std::uint64_t>();
    if (it != j.end() && it->is_number_integer() && it->get<std::int64_t>() >= 0)
      return static_cast<std::uint64_t>(it->get<std::int64_t>());
  }
  return fallback;
}

const json& object_field(const json& j, std::string_view key) {
  static const json none;
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_object())
      return *it;
  }
  return none;
}

} // namespace bfd::cli
