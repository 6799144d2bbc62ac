#include "runtime/peg_bridge_progress.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chains/core/hex.hpp"
#include "runtime/durable_file.hpp"

namespace bfd::runtime {

namespace {
constexpr std::uintmax_t max_progress_file_bytes = 1 << 20;
constexpr std::string_view progress_format = "bfd-peg-bridge-progress";
// 2 added "entry" per direction (resume inside a block); 1 is read as entry 0.
constexpr std::uint64_t progress_version = 2;
} // namespace

std::string bridge_progress_json(const bridge_progress& p) {
  nlohmann::ordered_json j;
  j["format"] = progress_format;
  j["version"] = progress_version;
  j["mainchain_genesis"] = to_hex(p.mainchain_genesis);
  j["sidechain"] = p.sidechain ? nlohmann::ordered_json(*p.sidechain) : nlohmann::ordered_json(nullptr);
  auto& dirs = j["scanned"] = nlohmann::ordered_json::array();
  for (const auto& [k, h] : p.scanned) {
    const auto e = p.entries.find(k);
    dirs.push_back({{"from", k.first}, {"to", k.second}, {"height", h}, {"entry", e == p.entries.end() ? 0 : e->second}});
  }
  auto& clients = j["clients"] = nlohmann::ordered_json::array();
  for (const auto& [c, h] : p.client_heights)
    clients.push_back({{"chain", c}, {"height", h}});
  return j.dump(2) + "\n";
}

result<bridge_progress> parse_bridge_progress(std::string_view text) {
  const auto bad = [](const std::string& what) { return make_error(errc::malformed, "progress file: " + what); };
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return bad("not a JSON object");
  if (!j.contains("format") || j["format"] != progress_format)
    return bad(fmt::format("format is not \"{}\"", progress_format));
  if (!j.contains("version") || !j["version"].is_number_unsigned() || j["version"] < 1
      || j["version"] > progress_version)
    return make_error(errc::unsupported_version, fmt::format("progress file: version is not 1 to {}", progress_version));
  const bool has_entries = j["version"] >= 2;
  bridge_progress p;
  if (!j.contains("mainchain_genesis") || !j["mainchain_genesis"].is_string())
    return bad("mainchain_genesis: expected a hex string");
  auto g = fixed_from_hex<32>(j["mainchain_genesis"].get<std::string>());
  if (!g)
    return bad("mainchain_genesis: " + g.error().detail);
  p.mainchain_genesis = hash256{*g};
  const auto chain_of = [](const nlohmann::json& v) -> std::optional<chain_id> {
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > UINT32_MAX)
      return std::nullopt;
    return static_cast<chain_id>(v.get<std::uint64_t>());
  };
  const auto height_of = [](const nlohmann::json& v) -> std::optional<std::uint64_t> {
    if (!v.is_number_unsigned())
      return std::nullopt;
    return v.get<std::uint64_t>();
  };
  if (!j.contains("sidechain"))
    return bad("sidechain: missing (null for every pair)");
  if (!j["sidechain"].is_null()) {
    p.sidechain = chain_of(j["sidechain"]);
    if (!p.sidechain)
      return bad("sidechain: expected a chain id or null");
  }
  if (!j.contains("scanned") || !j["scanned"].is_array() || j["scanned"].size() > 4096)
    return bad("scanned: expected an array (at most 4096 directions)");
  for (const auto& d : j["scanned"]) {
    if (!d.is_object() || !d.contains("from") || !d.contains("to") || !d.contains("height"))
      return bad("scanned: each entry needs from, to and height");
    auto from = chain_of(d["from"]);
    auto to = chain_of(d["to"]);
    auto h = height_of(d["height"]);
    if (!from || !to || !h)
      return bad("scanned: from and to are chain ids, height a non-negative integer");
    p.scanned[{*from, *to}] = *h;
    if (has_entries) {
      if (!d.contains("entry"))
        return bad("scanned: each entry needs entry (version 2)");
      auto e = height_of(d["entry"]);
      if (!e || *e > UINT32_MAX)
        return bad("scanned: entry is an index below 2^32");
      if (*e > 0)
        p.entries[{*from, *to}] = static_cast<std::uint32_t>(*e);
    }
  }
  if (!j.contains("clients") || !j["clients"].is_array() || j["clients"].size() > 4096)
    return bad("clients: expected an array (at most 4096 chains)");
  for (const auto& c : j["clients"]) {
    if (!c.is_object() || !c.contains("chain") || !c.contains("height"))
      return bad("clients: each entry needs chain and height");
    auto id = chain_of(c["chain"]);
    auto h = height_of(c["height"]);
    if (!id || !h)
      return bad("clients: chain is a chain id, height a non-negative integer");
    p.client_heights[*id] = *h;
  }
  return p;
}

result<bridge_progress> read_bridge_progress(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return make_error(errc::not_found, "no progress file " + file.string());
  const auto size = std::filesystem::file_size(file, ec);
  if (ec)
    return make_error(errc::io, file.string() + ": " + ec.message());
  if (size > max_progress_file_bytes)
    return make_error(errc::malformed, fmt::format("{}: {} bytes, more than a progress file's {}", file.string(), size,
                                                   max_progress_file_bytes));
  std::ifstream in(file, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size)))
    return make_error(errc::io, file.string() + ": read failed");
  auto p = parse_bridge_progress(text);
  if (!p)
    return make_error(p.error().code, file.string() + ": " + p.error().detail);
  return p;
}

status write_bridge_progress(const std::filesystem::path& file, const bridge_progress& p) {
  return write_file_durably(file, bridge_progress_json(p));
}

} // namespace bfd::runtime
