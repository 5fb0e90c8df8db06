// The shared definitions of DESIGN.md that every capability names the same
// way: channels and lifecycle stages. One list, so that the generator, the
// importer's classifier and the engines cannot drift apart.
#pragma once

#include <array>
#include <string_view>

namespace mops::core {

// Marketing channels, in DESIGN.md's order.
inline constexpr std::array<std::string_view, 18> kChannels = {"direct",
                                                               "organic_search",
                                                               "paid_search",
                                                               "display",
                                                               "paid_social",
                                                               "organic_social",
                                                               "email",
                                                               "referral",
                                                               "affiliate",
                                                               "video",
                                                               "events",
                                                               "webinar",
                                                               "content_syndication",
                                                               "partner",
                                                               "direct_mail",
                                                               "sales_outreach",
                                                               "review_sites",
                                                               "other"};

// Lifecycle stages, forward order, then the side states recycled and
// disqualified.
inline constexpr std::array<std::string_view, 9> kLifecycleStages = {
    "subscriber", "lead",       "mql",      "sql",         "opportunity",
    "customer",   "evangelist", "recycled", "disqualified"};

}  // namespace mops::core
