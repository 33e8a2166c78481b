"""Sign in with WeChat for residents: django-allauth's Weixin provider, on the official account's web authorisation.

One person, one account: the account's uid is the WeChat unionid when the platform gives one (the same person
across the official account and the website), else the openid. A new WeChat sign-in is never turned into a
second account for someone who already has one: the person first confirms a mobile number by a code, and the
sign-in is linked to the account holding that verified number (or a new account is made with it).
"""
