"""The pages the server serves: kiosk, screens, staff console, phone status."""
