"""Blueprint /voice: the webhooks Twilio (and the browser phone) call, answered with TwiML."""
