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
  const auto& o = p->config.options;
  const int bound = o.port == 0 ? p->server.bind_to_any_port(o.address)
                                : (p->server.bind_to_port(o.address, o.port) ? o.port : -1);
  if (bound <= 0)
    return make_error(errc::io, "cannot listen for HTTP on " + o.address + ":" + std::to_string(o.port)
                                  + " (is the address local and the port free?)");
  p->port = static_cast<std::uint16_t>(bound);
  p->thread = std::thread([s = &p->server] { s->listen_after_bind(); });
  // stop() only stops a server that runs: wait until it does, so a quick stop cannot miss it.
  for (int i = 0; i < 5000 && !p->server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
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
