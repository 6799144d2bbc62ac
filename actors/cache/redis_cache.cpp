// The Redis backend of the read cache (actors/cache/read_cache.hpp) over hiredis' blocking API:
// one connection guarded by a mutex, timeouts on connect, read and write, and a back-off after a
// failure so an outage costs each read nothing but a miss. Keys (docs/cache.md, "Redis mode"):
// NS:e:KEY holds "G1,G2,...\nVALUE" (the tags' generations when it was read) with a TTL;
// NS:g:TAG holds a tag's generation (INCR on invalidation; absent reads as 0).
#include <charconv>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include "actors/cache/read_cache.hpp"

namespace bfd {

namespace {

using steady = std::chrono::steady_clock;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

struct reply_deleter {
  void operator()(redisReply* r) const {
    if (r)
      freeReplyObject(r);
  }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

std::string join_gens(const std::vector<std::uint64_t>& gens) {
  std::string out;
  for (std::size_t i = 0; i < gens.size(); ++i)
    out += (i ? "," : "") + std::to_string(gens[i]);
  return out;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    return std::nullopt;
  return v;
}

class redis_cache final : public read_cache {
public:
  redis_cache(redis_cache_options options, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), log_(std::move(log)) {}

  ~redis_cache() override {
    if (ctx_)
      redisFree(ctx_);
  }

  std::string backend() const override { return "redis"; }

  void put(const std::string& key, const std::vector<std::string>& tags, const cache_ticket& ticket,
           std::string value) override {
    if (!ticket.usable || ticket.gens.size() != tags.size() + 1 || value.size() > options_.max_value_bytes
        || key.size() > cache::max_key_bytes)
      return;
    std::string stored = join_gens(ticket.gens) + "\n" + value;
    const std::string k = options_.ns + "e:" + key;
    const std::string ttl = std::to_string(options_.ttl_seconds == 0 ? 60 : options_.ttl_seconds);
    std::vector<std::string> argv{"SET", k, std::move(stored), "EX", ttl};
    std::lock_guard guard(mutex_);
    if (!connected())
      return;
    auto r = command(argv);
    if (!r)
      fail("SET");
  }

protected:
  cache_result lookup(const std::string& key, const std::vector<std::string>& tags) override {
    cache_result out;
    if (key.size() > cache::max_key_bytes || tags.size() > cache::max_entry_tags)
      return out;
    std::vector<std::string> argv{"MGET", options_.ns + "e:" + key};
    for (const auto& t : tags)
      argv.push_back(options_.ns + "g:" + t);
    argv.push_back(options_.ns + "g:" + all_tag);  // every entry depends on it: bumped after an outage
    std::lock_guard guard(mutex_);
    if (!connected())
      return out;
    auto r = command(argv);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != argv.size() - 1) {
      fail("MGET");
      return out;
    }
    std::vector<std::uint64_t> gens;
    for (std::size_t i = 1; i < r->elements; ++i) {
      const auto* e = r->element[i];
      if (e->type == REDIS_REPLY_NIL) {
        gens.push_back(0);
        continue;
      }
      auto g = e->type == REDIS_REPLY_STRING ? parse_u64(std::string_view(e->str, e->len)) : std::nullopt;
      if (!g) {
        fail("MGET (a generation that is not a number)");
        return out;
      }
      gens.push_back(*g);
    }
    const auto* entry = r->element[0];
    if (entry->type == REDIS_REPLY_STRING) {
      const std::string_view s(entry->str, entry->len);
      const auto nl = s.find('\n');
      if (nl != std::string_view::npos && s.substr(0, nl) == join_gens(gens)) {
        out.value = std::string(s.substr(nl + 1));
        return out;
      }
    }
    out.ticket.usable = true;
    out.ticket.gens = std::move(gens);
    return out;
  }

  void drop(const std::vector<std::string>& tags) override {
    // Generation keys live twice as long as an entry, from their last change: an entry that
    // recorded a generation has expired before that generation's key can vanish (and read 0).
    const std::string keep = std::to_string(2 * (options_.ttl_seconds == 0 ? 60 : options_.ttl_seconds));
    std::lock_guard guard(mutex_);
    if (!connected())
      return;  // counted and logged by connected(); the TTL bounds what this outage leaves stale
    std::size_t sent = 0;
    for (const auto& t : tags) {
      if (t.empty() || t.size() > cache::max_key_bytes)
        continue;
      const std::string k = options_.ns + "g:" + t;
      append({"INCR", k});
      append({"EXPIRE", k, keep});
      sent += 2;
    }
    for (std::size_t i = 0; i < sent; ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK) {
        fail("INCR");
        return;
      }
      reply_ptr r(static_cast<redisReply*>(raw));
      if (r->type == REDIS_REPLY_ERROR) {
        fail("INCR");
        return;
      }
    }
  }

  std::pair<std::uint64_t, std::uint64_t> size() override {
    std::lock_guard guard(mutex_);
    if (!connected())
      return {0, 1};
    auto r = command({"DBSIZE"});
    if (!r || r->type != REDIS_REPLY_INTEGER) {
      fail("DBSIZE");
      return {0, 1};
    }
    return {static_cast<std::uint64_t>(r->integer), 1};
  }

private:
  /// Connected, or connects unless a failure is recent (then false at once). Holds mutex_.
  bool connected() {
    if (ctx_)
      return true;
    if (steady::now() < retry_at_)
      return false;
    ctx_ = redisConnectWithTimeout(options_.host.c_str(), options_.port, to_timeval(options_.timeout));
    if (!ctx_ || ctx_->err) {
      const std::string why = ctx_ ? ctx_->errstr : "out of memory";
      if (ctx_) {
        redisFree(ctx_);
        ctx_ = nullptr;
      }
      count_error("redis");
      failed_before_ = true;
      retry_at_ = steady::now() + options_.backoff;
      if (log_ && !down_logged_)
        log_->warn("cache: Redis at {}:{} unreachable ({}): reads are misses, retrying every {} ms", options_.host,
                   options_.port, why, options_.backoff.count());
      down_logged_ = true;
      return false;
    }
    redisSetTimeout(ctx_, to_timeval(options_.timeout));
    if (failed_before_) {
      // Invalidations may have been lost while this node could not reach the server: everything
      // cached before is dropped (for every node: they all depend on this tag).
      auto r = command({"INCR", options_.ns + "g:" + all_tag});
      if (!r) {
        fail("INCR after reconnecting");
        return false;
      }
      failed_before_ = false;
    }
    if (log_)
      log_->info("cache: connected to Redis at {}:{} (keys {}*)", options_.host, options_.port, options_.ns);
    down_logged_ = false;
    return true;
  }

  /// A failed command: the connection is dropped (its replies may be out of step) and retried
  /// after the back-off. Holds mutex_.
  void fail(const char* what) {
    count_error("redis");
    failed_before_ = true;
    const std::string why = ctx_ && ctx_->err ? ctx_->errstr : "an unexpected reply";
    if (ctx_) {
      redisFree(ctx_);
      ctx_ = nullptr;
    }
    retry_at_ = steady::now() + options_.backoff;
    if (log_ && !down_logged_)
      log_->warn("cache: Redis {} failed ({}): reads are misses, retrying every {} ms", what, why,
                 options_.backoff.count());
    down_logged_ = true;
  }

  reply_ptr command(const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    std::vector<std::size_t> lens;
    for (const auto& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    reply_ptr r(static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(args.size()), args.data(), lens.data())));
    if (r && r->type == REDIS_REPLY_ERROR)
      return nullptr;
    return r;
  }

  void append(const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    std::vector<std::size_t> lens;
    for (const auto& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), args.data(), lens.data());
  }

  redis_cache_options options_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  redisContext* ctx_ = nullptr;
  steady::time_point retry_at_{};
  bool down_logged_ = false;
  bool failed_before_ = false;  ///< a failure since the last connection: bump all_tag on reconnecting
  static constexpr const char* all_tag = "*";
};

} // namespace

std::shared_ptr<read_cache> make_redis_cache(redis_cache_options options, std::shared_ptr<spdlog::logger> log) {
  return std::make_shared<redis_cache>(std::move(options), std::move(log));
}

} // namespace bfd
