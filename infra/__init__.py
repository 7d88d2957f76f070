"""The api-sales Pulumi program, as ComponentResources that tests can build under mocks."""
