"""Demand forecasts, stock-out risk and replenishment advice for django-oscar shops."""
