// The reference data of the channel rules, embedded into the binary at build
// time (channel_data.cc is generated from channel_data.cc.in): the default
// rule document and the host lists in src/ingest/data/. Internal to ingest.
#pragma once

#include <string_view>

namespace mops::ingest::channel_data {

std::string_view DefaultRules();  // channel_rules.yaml
std::string_view SearchEngines();
std::string_view SocialNetworks();
std::string_view VideoSites();
std::string_view ReviewSites();
std::string_view EmailSources();
std::string_view Webmail();

}  // namespace mops::ingest::channel_data
