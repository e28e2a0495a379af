"""Notifications: the outbox, fan-out to subscriptions and MQTT topics, and the delivery workers."""
