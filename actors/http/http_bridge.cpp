// The HTTP bridge's public face: start, bound port and URL, stop. The server, its hooks and
// bounds are in bridge_core.cpp; each resource's handlers in routes_*.cpp.
#include "actors/http/http_bridge.hpp"

#include "actors/http/bridge_core.hpp"

namespace bfd {

struct http_bridge::impl : http::bridge_core {
  using bridge_core::bridge_core;
};

result<std::unique_ptr<http_bridge>> http_bridge::start(caf::actor_system& system, http_bridge_config config) {
  auto p = std::make_unique<impl>(system, std::move(config));
  p->install();
  if (auto bound = p->listen(); !bound)
    return bound.error();
  return std::unique_ptr<http_bridge>(new http_bridge(std::move(p)));
}

http_bridge::http_bridge(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

http_bridge::~http_bridge() {
  stop();
}

std::uint16_t http_bridge::port() const noexcept {
  return impl_->port;
}

std::string http_bridge::url() const {
  const auto& a = impl_->config.options.address;
  const bool v6 = a.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + a + "]" : a) + ":" + std::to_string(impl_->port);
}

std::vector<http_route> http_routes() {
  std::vector<http_route> out;
  for (const auto& r : http::routes())
    out.push_back({std::string(r.method), r.path});
  return out;
}

std::vector<http_route> http_bridge::handler_patterns() const {
  return impl_->handlers;
}

void http_bridge::stop() {
  impl_->stop();
}

} // namespace bfd
