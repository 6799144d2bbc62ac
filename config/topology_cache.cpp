// [cache] of a topology file: the read cache's backend and bounds (docs/cache.md, docs/topology.md).
#include "config/toml_support.hpp"

namespace bfd::config::detail {

void read_cache(diagnostics& diag, const toml::table& t, topology& out) {
  table_reader r(diag, t, "[cache]",
                 {"backend", "redis", "shards_per_node", "max_entries", "max_mb", "ttl_seconds", "timeout_ms"});
  auto& c = out.cache;
  c.where = diag.position(t.source());
  if (auto v = r.text("backend", presence::optional, "\"ring\", \"redis\" or \"off\"")) {
    if (*v == "ring" || *v == "redis" || *v == "off")
      c.backend = *v;
    else
      diag.add(r.find("backend")->source(), "'backend' in [cache] must be \"ring\", \"redis\" or \"off\", not \""
                                               + v->substr(0, 32) + "\"");
  }
  if (auto v = r.text("redis", presence::optional, "a Redis server as \"HOST:PORT\"")) {
    const auto colon = v->rfind(':');
    std::int64_t port = 0;
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < v->size() && v->size() - colon <= 6;
    for (std::size_t i = colon + 1; ok && i < v->size(); ++i)
      ok = (*v)[i] >= '0' && (*v)[i] <= '9';
    if (ok)
      port = std::stoll(v->substr(colon + 1));
    if (!ok || port < 1 || port > 65535)
      diag.add(r.find("redis")->source(), "'redis' in [cache] must be \"HOST:PORT\" with a port 1-65535, not \""
                                             + v->substr(0, 64) + "\"");
    else {
      c.redis_host = v->substr(0, colon);
      c.redis_port = static_cast<std::uint16_t>(port);
    }
  }
  if (auto v = r.integer("shards_per_node", presence::optional, 0, 64))
    c.shards_per_node = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("max_entries", presence::optional, 1, 10'000'000))
    c.max_entries = static_cast<std::uint64_t>(*v);
  if (auto v = r.integer("max_mb", presence::optional, 1, 65'536))
    c.max_mb = static_cast<std::uint64_t>(*v);
  if (auto v = r.integer("ttl_seconds", presence::optional, 1, 86'400))
    c.ttl_seconds = static_cast<std::uint64_t>(*v);
  if (auto v = r.integer("timeout_ms", presence::optional, 1, 10'000))
    c.timeout_ms = static_cast<std::uint32_t>(*v);
  r.finish();
  if (c.backend == "redis" && !r.find("redis"))
    diag.add(c.where, "[cache] backend = \"redis\" needs 'redis' = \"HOST:PORT\": the server every node uses");
  if (c.backend != "redis" && c.redis_port != 0)
    diag.add(r.find("redis")->source(), "'redis' in [cache] is used only with backend = \"redis\"");
}

} // namespace bfd::config::detail
