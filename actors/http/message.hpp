// The HTTP bridge's own request and response types: what a handler in routes_*.cpp sees of a
// complete request and writes into, independent of the server library underneath (server.cpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bfd::http {

/// Orders header names case-insensitively (HTTP field names are).
struct header_name_less {
  bool operator()(std::string_view a, std::string_view b) const noexcept {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      const auto lx = static_cast<unsigned char>(x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x);
      const auto ly = static_cast<unsigned char>(y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
      return lx < ly;
    });
  }
};

/// Header fields by name (case-insensitive), in arrival order among equal names.
using header_map = std::multimap<std::string, std::string, header_name_less>;

/// A complete request: the server hands one to a handler only after its head and body have
/// arrived within their bounds.
struct request {
  std::string method;
  std::string target;                              ///< as sent: path and query, still percent-encoded
  std::string path;                                ///< the target's path, percent-decoded
  std::multimap<std::string, std::string> params;  ///< the query's parameters, decoded
  header_map headers;
  std::string body;
  std::string remote_addr;                         ///< the client's IP address
  std::vector<std::string> matches;                ///< [0] the path, then the route pattern's captures
  std::chrono::steady_clock::time_point received;  ///< when its head was complete
  std::string_view route = "unmatched";            ///< its route's template (a label in /metrics)

  bool has_header(std::string_view name) const { return headers.find(std::string(name)) != headers.end(); }
  /// The first value of a header, or "" if absent.
  std::string get_header_value(std::string_view name) const {
    const auto i = headers.find(std::string(name));
    return i == headers.end() ? std::string() : i->second;
  }
  std::size_t get_header_value_count(std::string_view name) const { return headers.count(std::string(name)); }
  bool has_param(std::string_view name) const { return params.find(std::string(name)) != params.end(); }
  /// The first value of a query parameter, or "" if absent.
  std::string get_param_value(std::string_view name) const {
    const auto i = params.find(std::string(name));
    return i == params.end() ? std::string() : i->second;
  }
  bool is_multipart_form_data() const {
    return get_header_value("Content-Type").rfind("multipart/form-data", 0) == 0;
  }
};

/// What a handler answers: status (-1 until set: 200 if the handler never sets one), header
/// fields and body.
struct response {
  int status = -1;
  header_map headers;
  std::string body;

  /// Adds a header field ("Connection: close" makes the server close after this response).
  void set_header(std::string_view name, std::string_view value) { headers.emplace(name, value); }
  std::string get_header_value(std::string_view name) const {
    const auto i = headers.find(std::string(name));
    return i == headers.end() ? std::string() : i->second;
  }
  /// The body and its Content-Type.
  void set_content(std::string text, std::string_view content_type) {
    body = std::move(text);
    headers.erase(std::string("Content-Type"));
    headers.emplace("Content-Type", content_type);
  }
};

/// A POST handler's access to the request body, which the server has already read within the
/// body bound (bridge_core::read_body copies it out).
struct content_reader {
  const std::string& body;
};

} // namespace bfd::http
