from django.apps import AppConfig


class FollowUpConfig(AppConfig):
    name = "spinepath.followup"
    label = "followup"
    verbose_name = "Follow-up"
