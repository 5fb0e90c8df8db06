// A request body parsed without nlohmann's tree: nlohmann's SAX parser fills
// flat arrays (nodes, object members, one buffer of strings), reused from one
// body to the next, instead of a std::map and a heap string per member.
// Internal to the tracking engine (engine.cc); the tree answers the same
// questions as the Json it replaces, through `JsonView` and `TreeView`, so
// that the event normalization is written once for both.
//
// What it keeps of nlohmann's tree, so that the stored form is the same bytes:
// object members sorted by key (std::string's order) with the last of equal
// keys winning, integers kept as signed or unsigned as the parser reported
// them, floats as doubles, strings unescaped (the parser has checked their
// UTF-8).
//
// Thread-safety: a Tree is used by one thread at a time.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mops::tracking::internal {

using Json = nlohmann::json;

enum class Kind : uint8_t { kNull, kBool, kInt, kUint, kFloat, kString, kArray, kObject };

class Tree {
 public:
  struct Node {
    Kind kind = Kind::kNull;
    bool boolean = false;
    int64_t integer = 0;
    uint64_t unsigned_integer = 0;
    double floating = 0;
    // A string: its bytes in text_. An array or object: its members in
    // members_.
    uint32_t offset = 0;
    uint32_t length = 0;
  };
  struct Member {
    uint32_t key_offset = 0;
    uint32_t key_length = 0;  // arrays: 0
    uint32_t node = 0;
  };
  // Node 0 is an empty object: what a missing child reads as.
  static constexpr uint32_t kEmptyObject = 0;

  // Parses `body` (strict JSON, nothing after the value). False when it is
  // not valid JSON; the tree is then empty.
  bool Parse(std::string_view body);
  uint32_t root() const { return root_; }

  const Node& node(uint32_t i) const { return nodes_[i]; }
  std::string_view text(uint32_t offset, uint32_t length) const {
    return std::string_view(text_.data() + offset, length);
  }
  std::string_view key(const Member& m) const { return text(m.key_offset, m.key_length); }
  const Member* members_begin(const Node& n) const { return members_.data() + n.offset; }
  const Member* members_end(const Node& n) const { return members_.data() + n.offset + n.length; }

 private:
  class Builder;
  void Clear();

  std::vector<Node> nodes_;
  std::vector<Member> members_;
  std::string text_;
  uint32_t root_ = kEmptyObject;
  // Parse state, kept for its capacity.
  struct Frame {
    uint32_t node = 0;
    uint32_t first_pending = 0;
    uint32_t key_offset = 0;
    uint32_t key_length = 0;
  };
  std::vector<Member> pending_;
  std::vector<Frame> frames_;
};

// Appends JSON text to a string, the bytes nlohmann's compact dump writes.
// Its serializer (whose construction allocates) is made only for what needs
// it: strings other than printable ASCII without '"' or '\\', floats, and
// whole Json values; the rest is written here.
class RawWriter {
 public:
  RawWriter(std::string& raw, Json::error_handler_t handler) : raw_(raw), handler_(handler) {}
  std::string& raw() { return raw_; }
  void String(std::string_view s);
  void Integer(int64_t v);
  void Unsigned(uint64_t v);
  void Dump(const Json& value) { Out().dump(value, false, false, 0); }

 private:
  nlohmann::detail::serializer<Json>& Out();
  std::string& raw_;
  Json::error_handler_t handler_;
  std::optional<nlohmann::detail::serializer<Json>> out_;
  std::optional<Json> scratch_;  // a Json string for String's escapes
};

// The Json or Tree value both normalizations read: a value, or missing.
class JsonView {
 public:
  JsonView() = default;
  explicit JsonView(const Json* j) : j_(j) {}
  bool missing() const { return j_ == nullptr; }
  Kind kind() const;
  bool boolean() const { return j_->get<bool>(); }
  int64_t integer() const { return j_->get<int64_t>(); }
  uint64_t unsigned_integer() const { return j_->get<uint64_t>(); }
  double floating() const { return j_->get<double>(); }
  std::string_view str() const { return j_->get_ref<const std::string&>(); }
  size_t size() const { return j_->size(); }
  // The member `key` of an object; missing when absent or not an object.
  JsonView find(std::string_view key) const;
  // The empty object a missing child reads as.
  JsonView empty_object() const;
  // Members of an object in key order: f(key, value).
  template <class F>
  void members(F&& f) const {
    for (const auto& [k, v] : j_->items()) f(std::string_view(k), JsonView(&v));
  }
  size_t array_size() const { return j_->size(); }
  JsonView at(size_t i) const { return JsonView(&(*j_)[i]); }
  Json to_json() const { return *j_; }
  // Writes the value as nlohmann's compact dump of the same value.
  void dump(RawWriter& out) const;

 private:
  const Json* j_ = nullptr;
};

class TreeView {
 public:
  TreeView() = default;
  TreeView(const Tree* t, uint32_t i) : t_(t), i_(i) {}
  bool missing() const { return t_ == nullptr; }
  Kind kind() const { return n().kind; }
  bool boolean() const { return n().boolean; }
  int64_t integer() const { return n().integer; }
  uint64_t unsigned_integer() const { return n().unsigned_integer; }
  double floating() const { return n().floating; }
  std::string_view str() const { return t_->text(n().offset, n().length); }
  size_t size() const { return n().kind == Kind::kNull ? 0 : IsContainer() ? n().length : 1; }
  TreeView find(std::string_view key) const;
  TreeView empty_object() const { return TreeView(t_, Tree::kEmptyObject); }
  template <class F>
  void members(F&& f) const {
    for (const Tree::Member* m = t_->members_begin(n()); m != t_->members_end(n()); ++m) {
      f(t_->key(*m), TreeView(t_, m->node));
    }
  }
  size_t array_size() const { return n().length; }
  TreeView at(size_t i) const { return TreeView(t_, t_->members_begin(n())[i].node); }
  Json to_json() const;
  // Writes the value as nlohmann's compact dump of the same value.
  void dump(RawWriter& out) const;

 private:
  const Tree::Node& n() const { return t_->node(i_); }
  bool IsContainer() const { return n().kind == Kind::kArray || n().kind == Kind::kObject; }
  const Tree* t_ = nullptr;
  uint32_t i_ = 0;
};

}  // namespace mops::tracking::internal
