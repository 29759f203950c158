"""Personalised product recommendations for django-oscar shops, trained with Surprise."""
