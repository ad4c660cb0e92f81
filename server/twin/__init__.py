"""The hall's digital twin: the live queue played forward, with no I/O.

engine.py     a discrete-event run of the hall from a moment on: windows call with the
              routing policy itself (server.routing), hold each ticket for a sampled or
              expected time, follow the hall's hours; tells when each ticket is called
durations.py  how long things take at this hall: per service, staff member and hour,
              learnt from what the hall has measured, typical_minutes before that
day_profile.py  the shape of a working day: when visitors come and for what (the day simulator's too)
forecast.py   the arrivals a day is expected to bring, per service every 15 minutes
staffing.py   the windows each zone needs in each hour to call the target share in time

The live wait estimates (server.wait_estimates) and the staffing advice run the same engine.
"""
