// Fee expressions: a bounded lexer, a recursive-descent parser into a flat node list and a
// checked evaluator (docs/fee-functions.md has the grammar).
#include "chains/services/fee_expr.hpp"

#include <array>
#include <limits>

#include <fmt/format.h>

namespace bfd::services {

namespace {

enum class tok : std::uint8_t {
  number, name, lparen, rparen, comma, plus, minus, star, slash, percent, lt, le, gt, ge, eq, ne, end
};

struct token {
  tok kind = tok::end;
  std::uint16_t column = 0;  // 1-based
  std::uint64_t value = 0;   // numbers
  std::string_view text;     // names
};

error refuse(std::size_t column, std::string_view what) {
  return make_error(errc::fee_function_refused, fmt::format("column {}: {}", column, what));
}

error fail(std::size_t column, std::string_view what) {
  return make_error(errc::fee_function_failed, fmt::format("column {}: {}", column, what));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

/// The tokens of a text already checked to be 1-256 printable bytes; at most 64 plus `end`.
class lexer {
public:
  explicit lexer(std::string_view text) : text_(text) {}

  /// Fills `out` with the tokens and a final `end`; returns the count including `end`.
  result<std::size_t> run(std::array<token, max_fee_expr_tokens + 1>& out) {
    std::size_t n = 0;
    for (;;) {
      while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
      if (pos_ == text_.size()) {
        out[n] = token{tok::end, static_cast<std::uint16_t>(pos_ + 1), 0, {}};
        return n + 1;
      }
      if (n == max_fee_expr_tokens)
        return refuse(pos_ + 1, fmt::format("more than {} tokens", max_fee_expr_tokens));
      auto t = next();
      if (!t) return t.error();
      out[n++] = *t;
    }
  }

private:
  result<token> next() {
    const auto start = pos_;
    const auto column = static_cast<std::uint16_t>(start + 1);
    const char c = text_[pos_];
    if (is_digit(c)) return number(column);
    if (is_name_start(c)) {
      while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
      return token{tok::name, column, 0, text_.substr(start, pos_ - start)};
    }
    const char d = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    auto one = [&](tok k) { ++pos_; return token{k, column, 0, {}}; };
    auto two = [&](tok k) { pos_ += 2; return token{k, column, 0, {}}; };
    switch (c) {
      case '(': return one(tok::lparen);
      case ')': return one(tok::rparen);
      case ',': return one(tok::comma);
      case '+': return one(tok::plus);
      case '-': return one(tok::minus);
      case '*': return one(tok::star);
      case '/': return one(tok::slash);
      case '%': return one(tok::percent);
      case '<': return d == '=' ? two(tok::le) : one(tok::lt);
      case '>': return d == '=' ? two(tok::ge) : one(tok::gt);
      case '=':
        if (d == '=') return two(tok::eq);
        return refuse(column, "'=' is not an operator (comparison is '==')");
      case '!':
        if (d == '=') return two(tok::ne);
        return refuse(column, "'!' is not an operator (inequality is '!=')");
      default: return refuse(column, fmt::format("unexpected character '{}'", c));
    }
  }

  // digit { ["_"] digit }, no leading zero unless the literal is 0, at most 2^64-1.
  result<token> number(std::uint16_t column) {
    const auto start = pos_;
    std::uint64_t value = 0;
    bool overflow = false;
    bool last_underscore = false;
    for (; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '_') {
        if (last_underscore) return refuse(pos_ + 1, "two '_' in a row in a number");
        last_underscore = true;
        continue;
      }
      if (!is_digit(c)) break;
      last_underscore = false;
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) overflow = true;
      value = value * 10 + digit;
    }
    if (last_underscore) return refuse(pos_, "a number may not end with '_'");
    if (pos_ < text_.size() && is_name_start(text_[pos_]))
      return refuse(pos_ + 1, "a number runs into a name (put an operator between them)");
    if (text_[start] == '0' && pos_ - start > 1) return refuse(column, "a number may not start with 0");
    if (overflow)
      return refuse(column, fmt::format("number {} is above 2^64-1", text_.substr(start, pos_ - start)));
    return token{tok::number, column, value, {}};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

struct function_info {
  std::string_view name;
  fee_op op;
  std::uint8_t arity;
};

constexpr std::array<function_info, 5> functions{{
    {"min", fee_op::min, 2}, {"max", fee_op::max, 2}, {"clamp", fee_op::clamp, 3},
    {"bp", fee_op::bp, 2}, {"if", fee_op::if_, 3}}};

constexpr std::array<std::pair<std::string_view, fee_op>, 4> variables{{
    {"amount", fee_op::amount}, {"height", fee_op::height}, {"calls", fee_op::calls}, {"units", fee_op::units}}};

std::string_view describe(const token& t) {
  switch (t.kind) {
    case tok::number: return "a number";
    case tok::name: return t.text;
    case tok::lparen: return "'('";
    case tok::rparen: return "')'";
    case tok::comma: return "','";
    case tok::end: return "the end";
    default: return "an operator";
  }
}

/// Recursive descent over the tokens; nodes are appended operands first. The recursion is
/// bounded by the nesting bound (16) times the grammar's four levels.
class parser {
public:
  parser(const token* tokens, std::vector<fee_node>& nodes) : t_(tokens), nodes_(nodes) {}

  result<std::uint8_t> parse() {
    auto root = expr(0);
    if (!root) return root;
    if (t_[pos_].kind != tok::end)
      return refuse(t_[pos_].column, fmt::format("unexpected {} after a complete expression", describe(t_[pos_])));
    return root;
  }

private:
  using index = result<std::uint8_t>;

  std::uint8_t emit(fee_op op, std::uint16_t column, std::uint64_t value = 0, std::uint8_t a = 0,
                    std::uint8_t b = 0, std::uint8_t c = 0) {
    fee_node n;
    n.op = op;
    n.value = value;
    n.args[0] = a;
    n.args[1] = b;
    n.args[2] = c;
    n.column = column;
    nodes_.push_back(n);  // capacity reserved: one node per token at most
    return static_cast<std::uint8_t>(nodes_.size() - 1);
  }

  static bool comparison(tok k, fee_op& op) {
    switch (k) {
      case tok::lt: op = fee_op::lt; return true;
      case tok::le: op = fee_op::le; return true;
      case tok::gt: op = fee_op::gt; return true;
      case tok::ge: op = fee_op::ge; return true;
      case tok::eq: op = fee_op::eq; return true;
      case tok::ne: op = fee_op::ne; return true;
      default: return false;
    }
  }

  // expr = sum [ cmp sum ]
  index expr(std::size_t depth) {
    auto lhs = sum(depth);
    if (!lhs) return lhs;
    fee_op op;
    if (!comparison(t_[pos_].kind, op)) return lhs;
    const auto column = t_[pos_++].column;
    auto rhs = sum(depth);
    if (!rhs) return rhs;
    fee_op again;
    if (comparison(t_[pos_].kind, again))
      return refuse(t_[pos_].column, "comparisons do not chain: use parentheses or if()");
    return emit(op, column, 0, *lhs, *rhs);
  }

  // sum = product { ("+" | "-") product }
  index sum(std::size_t depth) {
    auto lhs = product(depth);
    if (!lhs) return lhs;
    while (t_[pos_].kind == tok::plus || t_[pos_].kind == tok::minus) {
      const auto& op = t_[pos_++];
      auto rhs = product(depth);
      if (!rhs) return rhs;
      lhs = emit(op.kind == tok::plus ? fee_op::add : fee_op::sub, op.column, 0, *lhs, *rhs);
    }
    return lhs;
  }

  // product = primary { ("*" | "/" | "%") primary }
  index product(std::size_t depth) {
    auto lhs = primary(depth);
    if (!lhs) return lhs;
    for (;;) {
      const auto& op = t_[pos_];
      fee_op kind;
      if (op.kind == tok::star) kind = fee_op::mul;
      else if (op.kind == tok::slash) kind = fee_op::div;
      else if (op.kind == tok::percent) kind = fee_op::mod;
      else return lhs;
      ++pos_;
      auto rhs = primary(depth);
      if (!rhs) return rhs;
      lhs = emit(kind, op.column, 0, *lhs, *rhs);
    }
  }

  result<bool> open(std::size_t depth) {
    const auto& t = t_[pos_];
    if (t.kind != tok::lparen) return refuse(t.column, fmt::format("expected '(' but found {}", describe(t)));
    if (depth + 1 > max_fee_expr_depth)
      return refuse(t.column, fmt::format("nesting deeper than {}", max_fee_expr_depth));
    ++pos_;
    return true;
  }

  result<bool> expect(tok kind, std::string_view what) {
    const auto& t = t_[pos_];
    if (t.kind != kind) return refuse(t.column, fmt::format("expected {} but found {}", what, describe(t)));
    ++pos_;
    return true;
  }

  // primary = number | variable | call | "(" expr ")"
  index primary(std::size_t depth) {
    const auto t = t_[pos_];
    if (t.kind == tok::number) {
      ++pos_;
      return emit(fee_op::literal, t.column, t.value);
    }
    if (t.kind == tok::lparen) {
      if (auto o = open(depth); !o) return o.error();
      auto inner = expr(depth + 1);
      if (!inner) return inner;
      if (auto c = expect(tok::rparen, "')'"); !c) return c.error();
      return inner;
    }
    if (t.kind != tok::name)
      return refuse(t.column, fmt::format("expected a number, a name or '(' but found {}", describe(t)));
    ++pos_;
    for (const auto& [name, op] : variables)
      if (t.text == name) return emit(op, t.column);
    for (const auto& f : functions) {
      if (t.text != f.name) continue;
      if (auto o = open(depth); !o) return o.error();
      std::uint8_t args[3] = {0, 0, 0};
      for (std::uint8_t i = 0; i < f.arity; ++i) {
        if (i > 0) {
          const auto& sep = t_[pos_];
          if (sep.kind == tok::rparen)
            return refuse(sep.column, fmt::format("{}() takes {} arguments, got {}", f.name, f.arity, i));
          if (auto c = expect(tok::comma, "','"); !c) return c.error();
        }
        auto arg = expr(depth + 1);
        if (!arg) return arg;
        args[i] = *arg;
      }
      if (t_[pos_].kind == tok::comma)
        return refuse(t_[pos_].column, fmt::format("{}() takes {} arguments, got more", f.name, f.arity));
      if (auto c = expect(tok::rparen, "')'"); !c) return c.error();
      return emit(f.op, t.column, 0, args[0], args[1], args[2]);
    }
    return refuse(t.column, fmt::format("unknown name '{}' (variables: amount, height, calls, units; functions: "
                                        "min, max, clamp, bp, if)", t.text));
  }

  const token* t_;
  std::size_t pos_ = 0;
  std::vector<fee_node>& nodes_;
};

/// Evaluates node `i` and, through it, only the operands its result needs. Recursion is bounded
/// by the node count (at most 64).
class evaluator {
public:
  evaluator(std::span<const fee_node> nodes, const fee_inputs& in) : nodes_(nodes), in_(in) {}

  result<std::uint64_t> eval(std::uint8_t i) {
    const auto& n = nodes_[i];
    switch (n.op) {
      case fee_op::literal: return n.value;
      case fee_op::amount: return in_.amount;
      case fee_op::height: return in_.height;
      case fee_op::calls: return in_.calls;
      case fee_op::units: return in_.units;
      case fee_op::if_: {
        auto c = eval(n.args[0]);
        if (!c) return c;
        return eval(*c != 0 ? n.args[1] : n.args[2]);
      }
      default: break;
    }
    auto a = eval(n.args[0]);
    if (!a) return a;
    auto b = eval(n.args[1]);
    if (!b) return b;
    const std::uint64_t x = *a, y = *b;
    std::uint64_t r = 0;
    switch (n.op) {
      case fee_op::add:
        if (__builtin_add_overflow(x, y, &r)) return fail(n.column, fmt::format("{} + {} is above 2^64-1", x, y));
        return r;
      case fee_op::sub:
        if (y > x) return fail(n.column, fmt::format("{} - {} is below 0", x, y));
        return x - y;
      case fee_op::mul:
        if (__builtin_mul_overflow(x, y, &r)) return fail(n.column, fmt::format("{} * {} is above 2^64-1", x, y));
        return r;
      case fee_op::div:
        if (y == 0) return fail(n.column, fmt::format("{} / 0: division by zero", x));
        return x / y;
      case fee_op::mod:
        if (y == 0) return fail(n.column, fmt::format("{} % 0: modulo by zero", x));
        return x % y;
      case fee_op::lt: return std::uint64_t{x < y};
      case fee_op::le: return std::uint64_t{x <= y};
      case fee_op::gt: return std::uint64_t{x > y};
      case fee_op::ge: return std::uint64_t{x >= y};
      case fee_op::eq: return std::uint64_t{x == y};
      case fee_op::ne: return std::uint64_t{x != y};
      case fee_op::min: return x < y ? x : y;
      case fee_op::max: return x < y ? y : x;
      case fee_op::bp: {
        const unsigned __int128 wide = static_cast<unsigned __int128>(x) * y / 10'000;
        if (wide > std::numeric_limits<std::uint64_t>::max())
          return fail(n.column, fmt::format("bp({}, {}) is above 2^64-1", x, y));
        return static_cast<std::uint64_t>(wide);
      }
      case fee_op::clamp: {
        auto c = eval(n.args[2]);
        if (!c) return c;
        if (y > *c) return fail(n.column, fmt::format("clamp with low bound {} above high bound {}", y, *c));
        return x < y ? y : (x > *c ? *c : x);
      }
      default: return fail(n.column, "unknown operation");  // unreachable: every op is handled
    }
  }

private:
  std::span<const fee_node> nodes_;
  const fee_inputs& in_;
};

} // namespace

result<fee_program> parse_fee_expression(std::string_view text) {
  if (text.empty()) return refuse(1, "empty fee expression");
  if (text.size() > max_fee_expr_bytes)
    return refuse(max_fee_expr_bytes + 1,
                  fmt::format("fee expression of {} bytes, at most {}", text.size(), max_fee_expr_bytes));
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c > 0x7e) return refuse(i + 1, fmt::format("byte 0x{:02x} is not printable ASCII", c));
  }
  std::array<token, max_fee_expr_tokens + 1> tokens;
  auto count = lexer(text).run(tokens);
  if (!count) return count.error();
  fee_program program;
  program.nodes_.reserve(*count - 1);
  auto root = parser(tokens.data(), program.nodes_).parse();
  if (!root) return root.error();
  program.text_ = std::string(text);
  return program;
}

result<std::uint64_t> evaluate(const fee_program& program, const fee_inputs& in) {
  const auto nodes = program.nodes();
  if (nodes.empty()) return make_error(errc::fee_function_failed, "an empty program (not from the parser)");
  return evaluator(nodes, in).eval(static_cast<std::uint8_t>(nodes.size() - 1));
}

} // namespace bfd::services
