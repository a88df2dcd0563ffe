"""Need Staffing (www.needstaffing.nl): an IT broker whose open list is nearly all central
government (Defensie, Belastingdienst, DUO, VWS, CJIB, RIVM, NVWA, NEa, RVO); server-rendered
HTML, read from its paged list and, for new or changed cards, the detail pages
(`shared/sources/needstaffing.md`)."""
