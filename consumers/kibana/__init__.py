"""Kibana saved objects of tenderwatch and their import."""
