"""Kafka side of tenderwatch: client settings, the embedded broker, topic set-up and the one
consume loop every consumer runs on."""
