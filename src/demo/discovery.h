// The demo company's spend and sign-in exports, for tech stack discovery:
// a year and a month of corporate card transactions as Ramp exports them
// (`discovery_ramp.csv`) and the identity provider's app assignments as
// Okta's Current Assignments report gives them (`discovery_okta.csv`).
//
// Planted: shadow tools paid on cards but missing from the inventory
// (LinkedIn Sales Navigator on three sellers' cards, Semrush, Calendly),
// recurring merchants no alias knows (Loom, Notion), Zoom and Canva each paid
// by two departments, an inventory tool nobody pays (ON24), seats nobody uses
// (Marketo Engage, Salesloft, Gong, Hotjar), a price rise (Salesforce), a
// refund (HubSpot) and a merchant billing in euros (Hotjar). Deterministic:
// the files depend only on the Company.
#pragma once

#include <string>

#include "core/error.h"
#include "demo/demo.h"

namespace mops::demo {

// Writes discovery_ramp.csv and discovery_okta.csv into `dir`.
core::Status WriteDiscoveryExports(const Company& company, const std::string& dir);

}  // namespace mops::demo
