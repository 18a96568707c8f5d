from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "spinepath.scheduling"
    verbose_name = "Waiting list, injection sessions and bookings"
