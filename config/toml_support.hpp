// Internal to the config loaders (topology.cpp, sim_scenario*.cpp): diagnostics named by
// file:line:column and a reader for the keys of one toml++ table. Not part of the public API.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "chains/core/amount.hpp"
#include "chains/core/error.hpp"
#include "config/topology.hpp"  // file_position

namespace bfd::config::detail {

/// Most problems one error reports; the rest are counted.
inline constexpr std::size_t max_reported = 20;

inline std::string_view type_phrase(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

/// Node, key and other names: letters, digits, '.', '_' and '-', starting with a letter or digit.
inline bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64)
    return false;
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
           || c == '_' || c == '-';
  };
  if (s.front() == '.' || s.front() == '_' || s.front() == '-')
    return false;
  return std::all_of(s.begin(), s.end(), ok);
}

inline std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty())
      out += sep;
    out += s;
  }
  return out;
}

inline std::string range_phrase(std::int64_t min, std::int64_t max) {
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

/// The problems found so far, each at a position.
class diagnostics {
public:
  explicit diagnostics(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  file_position position(const toml::source_region& at) const { return {file_, at.begin.line, at.begin.column}; }

  void add(const file_position& at, std::string text) { list_.push_back({at.line, at.column, std::move(text)}); }
  void add(const toml::source_region& at, std::string text) { add(position(at), std::move(text)); }

  bool empty() const { return list_.empty(); }

  /// Appends `suffix` to every problem recorded so far.
  void append_to_all(std::string_view suffix) {
    for (auto& e : list_)
      e.text += suffix;
  }

  /// One error holding every problem, one per line, in file order.
  error to_error() {
    std::stable_sort(list_.begin(), list_.end(), [](const entry& a, const entry& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    std::string out;
    for (std::size_t i = 0; i < list_.size() && i < max_reported; ++i) {
      if (i > 0)
        out += '\n';
      out += file_position{file_, list_[i].line, list_[i].column}.to_string() + ": " + list_[i].text;
    }
    if (list_.size() > max_reported)
      out += "\n" + file_ + ": " + std::to_string(list_.size() - max_reported) + " more problems not shown";
    return make_error(errc::invalid_argument, std::move(out));
  }

private:
  struct entry {
    std::uint32_t line;
    std::uint32_t column;
    std::string text;
  };
  std::string file_;
  std::vector<entry> list_;
};

enum class presence { required, optional };

/// Reads the keys of one table; keys it was not asked about are reported as unknown by finish().
class table_reader {
public:
  table_reader(diagnostics& diag, const toml::table& table, std::string context, std::vector<std::string> known)
      : diag_(diag), table_(table), context_(std::move(context)), known_(std::move(known)) {}

  const toml::table& table() const { return table_; }
  const std::string& context() const { return context_; }
  file_position where() const { return diag_.position(table_.source()); }

  /// The value under `key` if present (any type).
  const toml::node* find(std::string_view key) const { return table_.get(key); }

  /// Where `key`'s value is written (the table's position when absent).
  file_position at(std::string_view key) const {
    const auto* v = find(key);
    return diag_.position(v ? v->source() : table_.source());
  }

  /// Reports a missing required key at the table's position.
  void missing(std::string_view key, std::string_view what) {
    diag_.add(table_.source(), context_ + " is missing '" + std::string(key) + "' (" + std::string(what) + ")");
  }

  /// Reports a value of the wrong type.
  void wrong_type(std::string_view key, const toml::node& value, std::string_view what) {
    diag_.add(value.source(), "'" + std::string(key) + "' in " + context_ + " must be " + std::string(what)
                                + ", not " + std::string(type_phrase(value.type())));
  }

  /// Reports a value that has the right type but is not acceptable.
  void bad_value(std::string_view key, const toml::node& value, std::string_view what, std::string_view got) {
    diag_.add(value.source(), "'" + std::string(key) + "' in " + context_ + " must be " + std::string(what)
                                + ", got " + std::string(got));
  }

  /// A string; `what` describes it in messages ("a non-empty string").
  std::optional<std::string> text(std::string_view key, presence p, std::string_view what = "a non-empty string") {
    const auto* v = find(key);
    if (!v) {
      if (p == presence::required)
        missing(key, what);
      return std::nullopt;
    }
    const auto* s = v->as_string();
    if (!s) {
      wrong_type(key, *v, what);
      return std::nullopt;
    }
    if (s->get().empty()) {
      bad_value(key, *v, what, "an empty string");
      return std::nullopt;
    }
    return s->get();
  }

  /// An identifier: letters, digits, '.', '_', '-'.
  std::optional<std::string> identifier(std::string_view key, presence p) {
    constexpr std::string_view what = "a name of letters, digits, '.', '_' or '-' (at most 64)";
    auto s = text(key, p, what);
    if (s && !is_identifier(*s)) {
      bad_value(key, *find(key), what, "\"" + *s + "\"");
      return std::nullopt;
    }
    return s;
  }

  /// An integer in [min, max].
  std::optional<std::int64_t> integer(std::string_view key, presence p, std::int64_t min, std::int64_t max) {
    const auto* v = find(key);
    if (!v) {
      if (p == presence::required)
        missing(key, range_phrase(min, max));
      return std::nullopt;
    }
    return integer_value(key, *v, min, max);
  }

  /// An integer node in [min, max]; reports and returns nothing otherwise.
  std::optional<std::int64_t> integer_value(std::string_view key, const toml::node& v, std::int64_t min,
                                            std::int64_t max) {
    const auto what = range_phrase(min, max);
    const auto* i = v.as_integer();
    if (!i) {
      wrong_type(key, v, what);
      return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
      bad_value(key, v, what, std::to_string(i->get()));
      return std::nullopt;
    }
    return i->get();
  }

  /// An amount as text, read by `parse`; `what` describes the accepted forms in messages.
  std::optional<amount> amount_of(std::string_view key, presence p, std::string_view what,
                                  result<amount> (*parse)(std::string_view)) {
    const auto* v = find(key);
    if (!v) {
      if (p == presence::required)
        missing(key, what);
      return std::nullopt;
    }
    return amount_value(key, *v, what, parse);
  }

  /// An amount node, read by `parse`; reports and returns nothing otherwise.
  std::optional<amount> amount_value(std::string_view key, const toml::node& v, std::string_view what,
                                     result<amount> (*parse)(std::string_view)) {
    const auto* s = v.as_string();
    if (!s) {
      wrong_type(key, v, what);
      return std::nullopt;
    }
    auto a = parse(s->get());
    if (!a) {
      bad_value(key, v, what, "\"" + s->get() + "\"");
      return std::nullopt;
    }
    return *a;
  }

  /// Reports every key that no reader call expects.
  void finish() {
    for (auto&& [k, v] : table_) {
      if (std::find(known_.begin(), known_.end(), k.str()) != known_.end())
        continue;
      diag_.add(k.source(), "unknown key '" + std::string(k.str()) + "' in " + context_ + "; expected one of: "
                              + join(known_));
    }
  }

private:
  diagnostics& diag_;
  const toml::table& table_;
  std::string context_;
  std::vector<std::string> known_;
};

/// How a top-level key is written: "[[name]]", "[name]" or "'name'".
inline std::string section_form(const std::string& name, const toml::node& v) {
  if (v.is_array_of_tables())
    return "[[" + name + "]]";
  if (v.is_table())
    return "[" + name + "]";
  return "'" + name + "'";
}

/// The tables of an array-of-tables section, reporting anything else; `required_because` set
/// means the section must have at least one entry, and says why.
inline std::vector<const toml::table*> tables_of(diagnostics& diag, const toml::table& doc, std::string_view name,
                                                 std::string_view required_because) {
  std::vector<const toml::table*> out;
  const std::string n(name);
  const auto* v = doc.get(name);
  if (!v) {
    if (!required_because.empty())
      diag.add(file_position{diag.file(), 1, 1}, "missing section [[" + n + "]]: " + std::string(required_because));
    return out;
  }
  const auto* a = v->as_array();
  if (!a) {
    diag.add(v->source(), "'" + n + "' must be an array of tables, written [[" + n + "]], not "
                            + std::string(type_phrase(v->type())));
    return out;
  }
  if (a->empty() && !required_because.empty())
    diag.add(v->source(), "'" + n + "' is empty: " + std::string(required_because));
  for (const auto& e : *a) {
    if (const auto* t = e.as_table())
      out.push_back(t);
    else
      diag.add(e.source(), "'" + n + "' must be an array of tables, written [[" + n + "]]; this element is "
                             + std::string(type_phrase(e.type())));
  }
  return out;
}

/// Reads one [[bridges]] entry into `out.bridges` (after [network], [[nodes]] and [[chains]]:
/// it checks against them); relative key_file paths resolve against `base` (config/topology_bridges.cpp).
void read_bridge(diagnostics& diag, const toml::table& t, topology& out, const std::filesystem::path& base);
/// Reads [cache] into out.cache (config/topology_cache.cpp).
void read_cache(diagnostics& diag, const toml::table& t, topology& out);

} // namespace bfd::config::detail
